"""Recording calls into student code as plain data, and the inputs probes and judges share.

A probe makes every call its check needs, in a fixed order, whatever the answers are, and keeps
each outcome under a key: {"value": PLAIN} or {"error": "Type: message", "type": "Type"}. PLAIN is
JSON: None, {"float": x}, {"bool": b}, {"str": length}, {"type": name}, {"seq": [PLAIN, ...]} or
{"packed": BASE64, "shape": [...], "dtype": "float32"}; non-finite floats are the strings "nan",
"inf" and "-inf" (Jupyter's messages are strict JSON). A tensor's values travel packed, as the
base64 of their little-endian float64 bytes (a record of 100k numbers costs the kernel, the
message and the grader a few milliseconds instead of a number-by-number JSON text); the judge
reads them back as {"tensor": [x, ...], ...} (judging.unpacked), the form every judge takes.

Inputs are built from fixed seeds on the CPU, so the judge rebuilds the very same ones itself and
never trusts what a kernel says it was given.
"""
import base64
import contextlib
import math

import numpy
import torch

MIME = "application/vnd.lr-course.record+json"
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
MAX_ELEMENTS = 200_000          # per value: a record is data for the judge, not a dump

_FLOAT = (0.0).__class__         # a literal's class: a submission cannot rebind it


class _Failed:
    def __repr__(self):
        return "FAILED"


FAILED = _Failed()               # what Probe.call returns when the student's code raised


def encode(x):
    """A python float as JSON: itself when finite, else "nan", "inf" or "-inf"."""
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "-inf"
    return x


def pack(tensor):
    """The first MAX_ELEMENTS values of `tensor`, flattened, as base64 of little-endian float64
    bytes (none for a complex tensor)."""
    flat = tensor.detach().flatten()[:MAX_ELEMENTS]
    if flat.is_complex():
        return ""
    values = numpy.ascontiguousarray(flat.to("cpu", torch.float64).numpy(), dtype="<f8")
    return base64.b64encode(values.tobytes()).decode("ascii")


def unpack(text):
    """The floats `text` (as pack writes it) holds, non-finite ones as encode writes them; None
    when it is not such a text."""
    if not isinstance(text, str) or len(text) > 4 * (8 * MAX_ELEMENTS + 2) // 3 + 4:
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    if len(raw) % 8:
        return None
    values = numpy.frombuffer(raw, dtype="<f8")
    numbers = values.tolist()
    return numbers if numpy.isfinite(values).all() else [encode(x) for x in numbers]


def describe(error):
    """`Type: first line of the message`, whatever the exception's __str__ does."""
    try:
        lines = str(error).strip().splitlines()
    except Exception:
        lines = []
    name = type(error).__name__
    return f"{name}: {lines[0][:200]}" if lines else name


def plain(value, depth=0):
    """`value` as PLAIN (see the module docstring); never raises."""
    try:
        if value is None:
            return None
        if isinstance(value, bool):
            return {"bool": value}
        if isinstance(value, (str, bytes)):
            return {"str": len(value)}
        if isinstance(value, torch.Tensor):
            return {"packed": pack(value), "shape": list(value.shape),
                    "dtype": str(value.dtype).replace("torch.", "")}
        if isinstance(value, (list, tuple)) and depth < 3:
            return {"seq": [plain(item, depth + 1) for item in value[:MAX_ELEMENTS]]}
        return {"float": encode(_FLOAT(value))}
    except Exception:
        try:
            return {"type": type(value).__name__}
        except Exception:
            return {"type": "?"}


class Probe:
    """The outcomes of one check's calls, by key, in the order they were made."""

    def __init__(self, check):
        self.check = check
        self.outcomes = {}

    def call(self, key, function, *args, **kwargs):
        """Run student code and record its result (or error) under `key`.

        Returns the result itself, for later calls, or FAILED when the code raised.
        """
        try:
            result = function(*args, **kwargs)
        except Exception as error:
            self.outcomes[key] = {"error": describe(error), "type": type(error).__name__}
            return FAILED
        self.outcomes[key] = {"value": plain(result)}
        return result

    def observe(self, key, value):
        """Record what the probe saw (a param group's lr, weights after a run) under `key`."""
        self.outcomes[key] = {"value": plain(value)}

    def observe_call(self, key, function, *args):
        """Record the value of a probe-side reading that may fail on a broken answer's state."""
        try:
            value = function(*args)
        except Exception as error:
            self.outcomes[key] = {"error": describe(error), "type": type(error).__name__}
            return FAILED
        self.outcomes[key] = {"value": plain(value)}
        return value

    def record(self):
        return {"check": self.check, "outcomes": self.outcomes}


def as_pair(returned):
    """`returned` unpacked into (loss, grad_norm) as the notebooks do, or itself when it is no pair."""
    try:
        loss, norm = returned
    except Exception:
        return returned
    return loss, norm


def call_train_step(probe, key, fn, *args):
    """Record a student's train_step(...) call, its result unpacked as the notebook unpacks it."""
    probe.call(key, lambda: as_pair(fn(*args)))


def weights_of(model):
    """All of `model`'s weights, flattened in order."""
    return flat(list(model.parameters()))


def grads_of(model):
    """All of `model`'s gradients, flattened in order; None if any parameter has none."""
    grads = [p.grad for p in model.parameters()]
    return None if any(g is None for g in grads) else flat(grads)


def emit(record):
    """Hand a record to the grader: a display output of its own type in the test cell."""
    from IPython.display import display

    display({MIME: record, "text/plain": f"[hidden test {record['check']}: ran]"}, raw=True)


# ----------------------------------------------------------------------------------------------
# Inputs shared by probes and judges

@contextlib.contextmanager
def one_thread():
    """Run torch on one thread, then restore the kernel's setting.

    The models here are tiny: one thread is fastest, and when other kernels keep the cores busy
    (a class graded in parallel) extra threads mostly wait for each other, 10-30x slower.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def fixed_seed(seed):
    """torch's global RNG seeded for the block, and the caller's RNG state restored after it."""
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)    # the CPU's alone: CUDA's is not restored
        yield


def flat(tensors):
    """All elements of `tensors` as one CPU float64 tensor (for a record or a comparison)."""
    return torch.cat([t.detach().flatten().to("cpu", torch.float64) for t in tensors]) \
        if tensors else torch.zeros(0, dtype=torch.float64)


class SmallNet(torch.nn.Module):
    """The notebooks' MLP: 10 -> 64 -> 64 -> 1 with ReLUs (about 5k parameters)."""

    def __init__(self):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(10, 64), torch.nn.ReLU(),
            torch.nn.Linear(64, 64), torch.nn.ReLU(),
            torch.nn.Linear(64, 1),
        )

    def forward(self, x):
        return self.layers(x)


def small_net(seed):
    """The same initial SmallNet, on the CPU, for every call with the same seed."""
    with fixed_seed(seed):
        return SmallNet()


def regression_data(seed, n=64, scale=1.0):
    """Fixed synthetic data (x, y) on the CPU."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 10, generator=generator)
    w = torch.randn(10, 1, generator=generator) / math.sqrt(10)
    y = x @ w + 0.5 * torch.sin(2 * x[:, :1]) + 0.1 * torch.randn(n, 1, generator=generator)
    return x, scale * y
