"""Hidden checks for the graded exercises: step decay (01), value clipping (02), a tiny GPT's step (04).

The hidden test cells run `from autograder import checks` after the student's answer cell, then
one check per cell. Each check returns None or raises CheckFailed with one sentence: what was
tested, expected, got, and the likely cause. Exceptions from student code become CheckFailed too.

This file stands alone: the grader copies it, without the rest of the package, next to an empty
autograder/__init__.py. It imports only the standard library and torch.

A submission may replace comparison helpers (abs, math.isclose, torch.allclose, ...) so that wrong
answers look right. So the checks compare python floats with their own arithmetic, and every
public check first verifies that the usual helpers are still the genuine ones.
"""
import _operator
import builtins
import contextlib
import math
import operator
import os
import unittest

import torch

__all__ = ["CheckFailed", "snapshot", "step_decay_lr", "step_decay_optimizer",
           "clip_value_elements", "clip_value_model", "warmup_cosine_schedule", "train_step_gpt", "DEVICE"]

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class CheckFailed(AssertionError):
    """A hidden test failed; the message is the feedback the student sees."""


# ----------------------------------------------------------------------------------------------
# Tamper detection
#
# Types taken from literals and C slots cannot be replaced by a submission, even when this module
# is imported after student code ran; builtins.type or builtins.float could be.
_TYPE = (0).__class__.__class__
_FLOAT = (0.0).__class__
_FUNCTION = (lambda: None).__class__
_BUILTIN_FUNCTION = [].append.__class__
_METHOD_DESCRIPTOR = str.__dict__["join"].__class__
_MODULE = builtins.__class__
_HEAP_TYPE = 1 << 9     # Py_TPFLAGS_HEAPTYPE: set on classes made by `class` statements

_BUILTIN_NAMES = ("abs", "all", "any", "enumerate", "float", "getattr", "int", "isinstance", "iter",
                  "len", "list", "max", "min", "next", "range", "repr", "round", "sorted", "str",
                  "sum", "tuple", "type", "zip")


def _package_dir(module):
    return os.path.dirname(os.path.abspath(module.__file__)) + os.sep


def _watched():
    """(name, owner, attribute, how to recognise the genuine object) for every watched helper."""
    import torch.nn.functional
    import torch.nn.utils
    import torch.optim.lr_scheduler
    import torch.testing

    torch_dir, unittest_dir = _package_dir(torch), _package_dir(unittest)
    rows = [(f"builtins.{name}", builtins, name, ("builtin", name)) for name in _BUILTIN_NAMES]
    rows += [("math.isclose", math, "isclose", ("c function", math, "isclose"))]
    rows += [(f"operator.{name}", operator, name, ("c function", _operator, name))
             for name in ("eq", "ne", "lt", "le", "gt", "ge", "abs", "sub")]
    rows += [(f"torch.{name}", torch, name, ("torch function", f"_VariableFunctionsClass.{name}"))
             for name in ("allclose", "isclose", "equal", "clamp")]
    rows += [(f"torch.Tensor.{name}", torch.Tensor, name, ("tensor method", f"TensorBase.{name}"))
             for name in ("tolist", "item", "clamp_", "clamp", "__float__")]
    rows += [("torch.testing.assert_close", torch.testing, "assert_close", ("python", torch_dir)),
             ("torch.nn.utils.clip_grad_value_", torch.nn.utils, "clip_grad_value_", ("python", torch_dir)),
             ("torch.nn.utils.clip_grad_norm_", torch.nn.utils, "clip_grad_norm_", ("python", torch_dir)),
             ("torch.nn.functional.cross_entropy", torch.nn.functional, "cross_entropy", ("python", torch_dir)),
             ("torch.optim.lr_scheduler.StepLR", torch.optim.lr_scheduler, "StepLR", ("class", torch_dir))]
    rows += [(f"unittest.TestCase.{name}", unittest.TestCase, name, ("python", unittest_dir))
             for name in ("assertEqual", "assertTrue", "assertAlmostEqual", "assertLess")]
    try:
        import numpy
        import numpy.testing
    except ImportError:         # numpy is optional for torch; nothing to watch then
        return rows
    numpy_dir = _package_dir(numpy)
    rows += [(f"numpy.{name}", numpy, name, ("python", numpy_dir))
             for name in ("allclose", "isclose", "array_equal")]
    rows += [("numpy.testing.assert_allclose", numpy.testing, "assert_allclose", ("python", numpy_dir))]
    return rows


def _looks_genuine(obj, rule):
    """Whether `obj` has the type, name and home of the helper it stands for (see _watched)."""
    kind = rule[0]
    if kind == "builtin":       # a builtin function of the builtins module, or a built-in class
        name = rule[1]
        if _TYPE(obj) is _BUILTIN_FUNCTION:
            return obj.__self__ is builtins and obj.__name__ == name
        return (_TYPE(obj) is _TYPE and not obj.__flags__ & _HEAP_TYPE
                and obj.__module__ == "builtins" and obj.__name__ == name)
    if kind == "c function":
        return _TYPE(obj) is _BUILTIN_FUNCTION and obj.__self__ is rule[1] and obj.__name__ == rule[2]
    if kind == "torch function":
        return _TYPE(obj) is _BUILTIN_FUNCTION and obj.__module__ == "torch" and obj.__qualname__ == rule[1]
    if kind == "tensor method":
        return (_TYPE(obj) is _METHOD_DESCRIPTOR and obj.__objclass__ is torch._C.TensorBase
                and obj.__qualname__ == rule[1])
    if kind == "python":        # numpy wraps many functions in a C dispatcher around a python one
        dispatcher = _TYPE(obj).__name__ == "_ArrayFunctionDispatcher" and not _TYPE(obj).__flags__ & _HEAP_TYPE
        function = obj._implementation if dispatcher else obj
        return _TYPE(function) is _FUNCTION and function.__code__.co_filename.startswith(rule[1])
    if kind == "class":
        return _TYPE(obj) is _TYPE and obj.__module__.startswith("torch.") and \
            obj.__init__.__code__.co_filename.startswith(rule[1])
    return False


def _lookup(owner, attribute):
    """owner.attribute read from the __dict__s themselves, so a replaced getattr cannot lie."""
    if _TYPE(owner) is _MODULE:
        return owner.__dict__.get(attribute)
    for klass in owner.__mro__:                     # a class: the first class that defines it
        if attribute in klass.__dict__:
            return klass.__dict__[attribute]
    return None


# Survives importlib.reload (a reload re-runs this file in the same module dict), so a reload
# after patching cannot replace the references taken before student code ran.
_snapshot = globals().get("_snapshot") or {}


def snapshot():
    """Record the watched helpers as they are now; only the first call (or import) counts.

    The grader calls this before any student code runs, so any later replacement is caught by
    identity, including replacements the type checks cannot judge.
    """
    if not _snapshot:
        for name, owner, attribute, _ in _watched():
            _snapshot[name] = _lookup(owner, attribute)


def _tampered():
    """Names of watched helpers that were replaced (empty when none)."""
    changed = []
    for name, owner, attribute, rule in _watched():
        current = _lookup(owner, attribute)
        if name in _snapshot and current is not _snapshot[name]:
            changed.append(name)
        elif not _looks_genuine(current, rule):
            changed.append(name)
    return changed


def _require_untampered():
    try:
        changed = _tampered()
    except Exception as error:      # a helper broken so badly that inspecting it fails
        changed = [f"inspection failed: {error.__class__.__name__}"]
    if changed:
        raise CheckFailed(f"The comparison helpers were modified before the tests ran "
                          f"({', '.join(changed)}); the hidden tests cannot trust them.")


snapshot()


# ----------------------------------------------------------------------------------------------
# Numbers and calls into student code

NOT_ANSWERED = "the exercise is not answered yet."
SEE_TRACEBACK = "an error in the answer cell; run the visible tests above to see the full traceback"


def _fmt(x):
    return f"{x:.6g}"


def _close(got, expected, rtol, atol=0.0):
    """|got - expected| <= atol + rtol * |expected|, on python floats, with no library helper."""
    difference = got - expected
    if difference < 0:
        difference = -difference
    size = expected if expected >= 0 else -expected
    return difference <= atol + rtol * size


def _call(what, function, *args, hint=SEE_TRACEBACK, **kwargs):
    """Call student code; any exception becomes a CheckFailed naming the call."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise CheckFailed(f"{what} raised NotImplementedError — {NOT_ANSWERED}") from None
    except Exception as error:
        raise CheckFailed(f"{what} raised {_describe(error)}. Likely cause: {hint}.") from None


def _describe(error):
    """`Type: first line of the message`, whatever the exception's __str__ does."""
    try:
        lines = str(error).strip().splitlines()
    except Exception:
        lines = []
    name = error.__class__.__name__
    return f"{name}: {lines[0][:200]}" if lines else name


def _number(value, what):
    """A student's return value as a genuine python float (rejecting None, strings and NaN)."""
    if value is None:
        raise CheckFailed(f"{what} returned None. Likely cause: a missing return.")
    if isinstance(value, (str, bytes)):
        raise CheckFailed(f"{what} returned a string. Likely cause: return the number itself, not text.")
    try:
        number = _FLOAT(value)
    except Exception:
        raise CheckFailed(f"{what} returned a {value.__class__.__name__}, which is not a single number. "
                          f"Likely cause: return one float.") from None
    if number != number:
        raise CheckFailed(f"{what} returned NaN. Likely cause: an invalid operation such as 0 / 0 or a "
                          f"negative number to a fractional power.")
    return number


# ----------------------------------------------------------------------------------------------
# The model and data of the seed notebook

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


def _small_net(seed=0):
    """The same initial SmallNet for every call with the same seed; the global RNG is untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = SmallNet()
    return model.to(DEVICE)


def _regression_data(seed=0, n=64, scale=1.0):
    """Fixed synthetic data, generated on the CPU (identical on every machine) then moved."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 10, generator=generator)
    w = torch.randn(10, 1, generator=generator) / math.sqrt(10)
    y = x @ w + 0.5 * torch.sin(2 * x[:, :1]) + 0.1 * torch.randn(n, 1, generator=generator)
    return x.to(DEVICE), (scale * y).to(DEVICE)


@contextlib.contextmanager
def _one_thread():
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


def _flat(tensors):
    """All elements of `tensors` as one list of python floats."""
    values = []
    for tensor in tensors:
        values += tensor.detach().flatten().tolist()
    return values


def _max_difference(a, b):
    worst = 0.0
    for x, y in zip(a, b):
        d = x - y
        d = -d if d < 0 else d
        if not d <= worst:          # also catches NaN
            worst = d
    return worst


def _max_size(values):
    largest = 0.0
    for x in values:
        x = -x if x < 0 else x
        if x > largest:
            largest = x
    return largest


# ----------------------------------------------------------------------------------------------
# Exercise 1: step decay

# (lr_initial, gamma, step_size): the notebook's defaults, then values no hard-coded default matches.
LR_CASES = ((0.1, 0.5, 1000), (0.2, 0.3, 7), (3e-4, 0.9, 1), (1.0, 0.1, 250), (0.05, 1.0, 3))
OPTIMIZER_LR = 0.77     # differs from every lr_initial, so reading the optimizer's lr fails
LR_RTOL, LR_ATOL = 1e-5, 1e-12
FORMULA = "lr_initial * gamma ** (step // step_size)"


def step_decay_table(lr_initial, gamma, step_size):
    """The (step, expected lr) pairs get_lr is checked on, in the order it is called.

    The period's edges and a point many periods on, then a repeated call (a stateful counter gives
    a different value) and calls out of order (large step, then small ones).
    """
    s = step_size
    steps = [0, s - 1, s, s + 1, 2 * s - 1, 2 * s, 10 * s + 3, s, 10 * s + 3, s - 1, 0]
    return [(t, lr_initial * gamma ** (t // s)) for t in steps]


def _lr_mistakes(lr, gamma, s):
    """(likely cause, wrong formula) for what students hand in, given one case's settings."""
    subtraction = "decays by subtraction; step decay multiplies: " + FORMULA
    mistakes = [
        ("decays one step early — use floor division step // step_size, not (step + 1) // step_size",
         lambda t: lr * gamma ** ((t + 1) // s)),
        ("decays one step late — the first decay happens at step == step_size",
         lambda t: lr * gamma ** ((t - 1) // s)),
        ("decays one step late — the first decay happens at step == step_size",
         lambda t: lr * gamma ** (max(t - 1, 0) // s)),
        ("decays one step late — the first decay happens at step == step_size",
         lambda t: lr * gamma ** (t // (s + 1))),
        ("math.ceil rounds up, so the lr decays right after step 0; use floor division step // step_size",
         lambda t: lr * gamma ** math.ceil(t / s)),
        ("off by a whole decay (gamma ** (step // step_size + 1)); at step 0 the lr is lr_initial",
         lambda t: lr * gamma ** (t // s + 1)),
        ("true division step / step_size decays smoothly; use floor division step // step_size",
         lambda t: lr * gamma ** (t / s)),
        ("rounding step / step_size; use floor division step // step_size",
         lambda t: lr * gamma ** round(t / s)),
        ("gamma ** step decays at every step; the exponent is the number of whole periods, "
         "step // step_size", lambda t: lr * gamma ** t),
        ("step % step_size is the position inside the period; the exponent is step // step_size",
         lambda t: lr * gamma ** (t % s)),
        ("multiplying by gamma * (step // step_size) instead of raising gamma to that power",
         lambda t: lr * gamma * (t // s)),
        ("multiplying by gamma * (step // step_size) instead of raising gamma to that power",
         lambda t: lr * gamma * (t // s) if t >= s else lr),
    ]
    for decrease in (lambda n: gamma * n, lambda n: lr * gamma * n, lambda n: lr * (1 - gamma) * n):
        mistakes.append((subtraction, lambda t, d=decrease: lr - d(t // s)))
        mistakes.append((subtraction, lambda t, d=decrease: max(lr - d(t // s), 0.0)))    # floored at 0
    # Hard-coded defaults: every combination of the real settings and the usual constants.
    for lr2, lr_name in ((lr, None), (OPTIMIZER_LR, "optimizer"), (0.01, "lr_initial"), (0.1, "lr_initial")):
        for gamma2, gamma_name in ((gamma, None), (0.5, "gamma")):
            for s2, s_name in ((s, None), (1000, "step_size")):
                if (lr2, gamma2, s2) == (lr, gamma, s):
                    continue
                if lr_name == "optimizer":
                    hint = ("reads the optimizer's lr (optimizer.defaults['lr'] or a param group) "
                            "instead of self.lr_initial")
                else:
                    names = [f"self.{n}" for n in (gamma_name, s_name, lr_name) if n]
                    hint = "hard-coded defaults instead of " + " / ".join(names)
                mistakes.append((hint, lambda t, a=lr2, g=gamma2, b=s2: a * g ** (t // b)))
    return mistakes


def _get_lr_fresh(cls, case, step):
    """get_lr(step) on a new scheduler, as a float; None when it fails in any way."""
    lr, gamma, s = case
    try:
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=OPTIMIZER_LR)
        return _FLOAT(cls(optimizer, lr_initial=lr, gamma=gamma, step_size=s).get_lr(step))
    except Exception:
        return None


def _depends_on_earlier_calls(cls, case, step, expected):
    """Whether get_lr keeps state: right on a new scheduler, or different for a repeated step."""
    fresh = _get_lr_fresh(cls, case, step)
    if fresh is not None and _close(fresh, expected, LR_RTOL, LR_ATOL):
        return True
    lr, gamma, s = case
    try:
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=OPTIMIZER_LR)
        scheduler = cls(optimizer, lr_initial=lr, gamma=gamma, step_size=s)
        seen = {}
        for t, _ in step_decay_table(lr, gamma, s):
            value = _FLOAT(scheduler.get_lr(t))
            if t in seen and not _close(value, seen[t], LR_RTOL, LR_ATOL):
                return True
            seen[t] = value
        # A call counter shows once get_lr(0) has been called more than step_size times.
        for _ in range(s + 1):
            if not _close(_FLOAT(scheduler.get_lr(0)), seen[0], LR_RTOL, LR_ATOL):
                return True
    except Exception:
        return False
    return False


def _explain_lr(cls, case, step, expected):
    """The likely cause of a wrong get_lr(step), found by probing new schedulers."""
    if _depends_on_earlier_calls(cls, case, step, expected):
        return ("get_lr depends on earlier calls (a counter, a running self.lr, or self.lr_initial "
                "changed inside get_lr); compute the lr from step alone")
    lr, gamma, s = case
    # Period edges, mid-periods (rounding shows there) and steps past the default step_size.
    probes = sorted({0, 1, 2, s // 2 + 1, s - 1, s, s + 1, s + s // 2 + 1, 2 * s - 1, 2 * s, 2 * s + 1,
                     3 * s, 10 * s + 3, 1000, 2000, 2500, step})
    values = [_get_lr_fresh(cls, case, t) for t in probes]
    if all(v is not None for v in values):
        for hint, wrong in _lr_mistakes(lr, gamma, s):
            try:
                if all(_close(v, wrong(t), LR_RTOL, LR_ATOL) for t, v in zip(probes, values)):
                    return hint
            except (ArithmeticError, TypeError, ValueError):      # e.g. 0 ** -1, complex powers
                continue
    return f"use {FORMULA}, computed from step alone"


def _new_scheduler(cls, optimizer, what, **settings):
    return _call(what, cls, optimizer, hint="an error in __init__, or a signature other than "
                 "__init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000)", **settings)


def step_decay_lr(cls):
    """get_lr follows lr_initial * gamma ** (step // step_size) for any settings and call order."""
    _require_untampered()
    for case in LR_CASES:
        lr, gamma, s = case
        settings = f"lr_initial={lr:g}, gamma={gamma:g}, step_size={s}"
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1, device=DEVICE))], lr=OPTIMIZER_LR)
        scheduler = _new_scheduler(cls, optimizer, f"StepDecayScheduler(optimizer, {settings})",
                                   lr_initial=lr, gamma=gamma, step_size=s)
        for step, expected in step_decay_table(lr, gamma, s):
            what = f"get_lr({step}) with {settings}"
            got = _number(_call(what, scheduler.get_lr, step), what)
            if not _close(got, expected, LR_RTOL, LR_ATOL):
                raise CheckFailed(f"{what}: expected {_fmt(expected)}, got {_fmt(got)}. "
                                  f"Likely cause: {_explain_lr(cls, case, step, expected)}.")

    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1, device=DEVICE))], lr=OPTIMIZER_LR)
    scheduler = _call("StepDecayScheduler(optimizer, lr_initial=0.01)", cls, optimizer, lr_initial=0.01,
                      hint="__init__ must keep the defaults gamma=0.5, step_size=1000")
    for step in (0, 999, 1000, 1999, 2000, 3500):
        what = f"get_lr({step}) with lr_initial=0.01 and the defaults gamma=0.5, step_size=1000"
        expected = 0.01 * 0.5 ** (step // 1000)
        got = _number(_call(what, scheduler.get_lr, step), what)
        if not _close(got, expected, LR_RTOL, LR_ATOL):
            raise CheckFailed(f"{what}: expected {_fmt(expected)}, got {_fmt(got)}. Likely cause: the "
                              f"defaults of __init__ were changed; keep gamma=0.5, step_size=1000.")


# The optimizer test: three param groups with their own lrs, none equal to lr_initial.
GROUP_LRS = (0.3, 0.7, None)        # None: the group takes the optimizer's default lr
STEP_CASE = (0.2, 0.3, 7)
STEP_ORDER = (7, 0, 20, 6, 15, 15, 71, 13)

# The real run: SmallNet, full-batch MSE, SGD with momentum.
RUN_STEPS, RUN_STEP_SIZE, RUN_GAMMA, RUN_LR = 300, 40, 0.5, 0.05


def _step_failure(cls, what, step, expected, got, before):
    """The message for wrong learning rates in the param groups after step(step)."""
    shown = "[" + ", ".join(_fmt(x) for x in got) + "]"
    wanted = f"expected lr {_fmt(expected)} in all {len(got)} param groups, got {shown}"
    unchanged = [_close(x, y, 1e-12) for x, y in zip(got, before)]
    if _close(got[0], expected, LR_RTOL, LR_ATOL) and all(unchanged[1:]):
        return (f"step(...) changed only the first param group: {wanted}. "
                f"Likely cause: loop over all optimizer.param_groups.")
    own = _get_lr_fresh(cls, STEP_CASE, step)
    lr, gamma, s = STEP_CASE
    neighbours = [lr * gamma ** (t // s) for t in (step - 1, step + 1) if t >= 0]
    if all(unchanged):
        hint = ("the lr was computed but never written into the optimizer; set group['lr'] = lr for "
                "every group in optimizer.param_groups")
    elif any(all(_close(x, n, LR_RTOL, LR_ATOL) for x in got) for n in neighbours):
        hint = "step(current_step) must set get_lr(current_step), not the lr of the step before or after"
    elif own is not None and not _close(own, expected, LR_RTOL, LR_ATOL) and \
            all(_close(x, own, LR_RTOL, LR_ATOL) for x in got):
        hint = f"step uses get_lr, which returns {_fmt(own)} here; fix get_lr (see the get_lr tests)"
    else:
        hint = ("step must set get_lr(current_step) itself, not rescale the current lr or count calls; "
                "current_step may come in any order")
    return f"{what}: {wanted}. Likely cause: {hint}."


def _group_lrs(optimizer, what):
    """The lr of every param group as floats; a missing or non-numeric lr fails."""
    lrs = []
    for group in optimizer.param_groups:
        if group.get("lr") is None:
            raise CheckFailed(f"{what} left a param group's lr as None. Likely cause: get_lr returned None "
                              f"(a missing return).")
        lrs.append(_number(group["lr"], f"the param group lr after {what}"))
    return lrs


def _check_step_calls(cls):
    """step(t), called out of order, sets get_lr(t) on all three param groups and returns it."""
    lr, gamma, s = STEP_CASE
    settings = f"lr_initial={lr:g}, gamma={gamma:g}, step_size={s}"
    params = [torch.nn.Parameter(torch.zeros(2, device=DEVICE)) for _ in GROUP_LRS]
    groups = [{"params": [p]} if group_lr is None else {"params": [p], "lr": group_lr}
              for p, group_lr in zip(params, GROUP_LRS)]
    optimizer = torch.optim.SGD(groups, lr=0.9)
    scheduler = _new_scheduler(cls, optimizer, f"StepDecayScheduler(optimizer, {settings})",
                               lr_initial=lr, gamma=gamma, step_size=s)
    for step in STEP_ORDER:
        what = f"step({step}) with {settings}"
        expected = lr * gamma ** (step // s)
        before = _group_lrs(optimizer, f"the calls before {what}")
        returned = _call(what, scheduler.step, step)
        got = _group_lrs(optimizer, what)
        if not all(_close(x, expected, LR_RTOL, LR_ATOL) for x in got):
            raise CheckFailed(_step_failure(cls, what, step, expected, got, before))
        if returned is None:
            raise CheckFailed(f"{what} returned None. Likely cause: a missing return (step returns the "
                              f"lr it set).")
        value = _number(returned, what)
        if not _close(value, expected, LR_RTOL, LR_ATOL):
            hint = ("returns self.lr_initial instead of the lr it set" if _close(value, lr, LR_RTOL, LR_ATOL)
                    else "step should return the lr it set, get_lr(current_step)")
            raise CheckFailed(f"{what}: expected the return value {_fmt(expected)}, got {_fmt(value)}. "
                              f"Likely cause: {hint}.")


def _train_with_schedule(make_scheduler, student):
    """Train SmallNet for RUN_STEPS updates; returns (lr used at each update, final parameters).

    The student's scheduler sets the lr before update t; StepLR (student=False) advances after it.
    Both give lr_initial * gamma ** (t // step_size) at update t.
    """
    model = _small_net(seed=0)
    x, y = _regression_data(seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=RUN_LR, momentum=0.9)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for t in range(RUN_STEPS):
        if student:
            _call(f"step({t}) during a {RUN_STEPS}-step training run", scheduler.step, t)
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        lrs.append(_number(optimizer.param_groups[0]["lr"], f"the param group lr at update {t}"))
        optimizer.step()
        if not student:
            scheduler.step()
    return lrs, _flat(model.parameters())


def step_decay_optimizer(cls):
    """step(t) sets the lr on every param group and returns it; a real run matches StepLR."""
    _require_untampered()
    with _one_thread():
        _check_step_calls(cls)
        _check_training_run(cls)


def _check_training_run(cls):
    """The real run: the student's scheduler and StepLR drive the same training identically."""
    settings = f"lr_initial={RUN_LR:g}, gamma={RUN_GAMMA:g}, step_size={RUN_STEP_SIZE}"
    run = f"in a {RUN_STEPS}-step SGD run of SmallNet with {settings}"
    student_lrs, student_params = _train_with_schedule(
        lambda opt: _new_scheduler(cls, opt, f"StepDecayScheduler(optimizer, {settings})", lr_initial=RUN_LR,
                                   gamma=RUN_GAMMA, step_size=RUN_STEP_SIZE), student=True)
    reference_lrs, reference_params = _train_with_schedule(
        lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=RUN_STEP_SIZE, gamma=RUN_GAMMA), student=False)
    for t in range(RUN_STEPS):
        expected = RUN_LR * RUN_GAMMA ** (t // RUN_STEP_SIZE)
        got = student_lrs[t]
        if not _close(reference_lrs[t], expected, LR_RTOL, LR_ATOL):
            raise RuntimeError(f"StepLR disagrees with the closed form at update {t}")    # a grader bug
        if not _close(got, expected, LR_RTOL, LR_ATOL):
            raise CheckFailed(f"{run}, the lr at update {t}: expected {_fmt(expected)} (as StepLR), got "
                              f"{_fmt(got)}. Likely cause: call step(t) with the update's index t, and set "
                              f"get_lr(t) without other changes to the optimizer.")
    _require_same_weights(student_params, reference_params,
                          f"{run}, the final weights: expected those of the same run driven by "
                          f"torch.optim.lr_scheduler.StepLR",
                          "step() must only set the lr — it must not call optimizer.step() or "
                          "zero_grad() or change other optimizer settings")


def _require_same_weights(student, reference, expected, cause, rtol=1e-5):
    """Fail unless two training runs ended with the same weights, up to float rounding."""
    difference = _max_difference(student, reference)
    allowed = rtol * (1 + _max_size(reference))
    if not difference <= allowed:
        raise CheckFailed(f"{expected}, got weights up to {difference:.3g} away (at most "
                          f"{allowed:.3g} allowed). Likely cause: {cause}.")


# ----------------------------------------------------------------------------------------------
# Exercise 2: clipping by value

# (gradient, clip_value, dtype): fractional bounds defeat int()/round(); one int bound.
ELEMENT_CASES = (
    ([0.9, -0.9, 0.1, -0.2, 0.25, -0.25, 0.0, 0.6, -0.7, 1e-3], 0.25, torch.float32),
    ([0.9, -0.9, 0.3, -0.1, 0.34, -0.36, 0.35, -0.35], 0.35, torch.float32),
    ([2.5, -2.5, 1.2, -0.7, 1.5, -1.6, 100.0, -0.0], 1.5, torch.float32),
    ([0.2, -0.2, 0.04, -0.049, 0.051, -0.051, 0.0], 0.05, torch.float64),
    ([3.0, -7.0, 0.5, -1.0, 1.0, -0.25], 1, torch.float32),
    ([[0.5, -3.0, 0.2], [9.0, -0.4, -0.6]], 0.5, torch.float32),
    ([0.01, -0.02, 0.0, 0.3], 10.0, torch.float32),
)
WEIGHT = 5.0            # outside every bound, so clamping the weights shows
GROUP_CASES = (         # several parameters in one call, as a list and as a tuple
    (list, ([0.8, -0.1], [[0.5, -3.0, 0.2], [9.0, -0.4, -0.6]], [-2.0]), 0.3),
    (tuple, ([1.0, -1.0, 0.5], [[-0.9, 0.2], [0.75, 2.0]]), 0.75),
)
# The clipped run is 40 updates, not a few hundred: a correct answer that loops over elements in
# python takes ~40 ms per call on SmallNet's 4.9k parameters, so 40 updates keep it near 2 s, while
# clipping still changes the gradients at every update (vectorised answers take ~0.05 s).
CLIP_RUN_STEPS, CLIP_VALUE, CLIP_RUN_LR = 40, 0.05, 0.05


def _parameter(values, dtype, weight=WEIGHT):
    """A parameter filled with `weight` whose .grad holds `values`, on DEVICE."""
    grad = torch.tensor(values, dtype=dtype, device=DEVICE)
    p = torch.nn.Parameter(torch.full_like(grad, weight))
    p.grad = grad
    return p


def _bound(clip_value, dtype):
    """clip_value as stored in a tensor of `dtype` (0.35 in float32 is 0.3499999940...)."""
    return _FLOAT(torch.tensor(clip_value, dtype=dtype).item())


def _clamped(x, low, high):
    return low if x < low else high if x > high else x


def _clip_failure(what, before, after, clip_value, bound, returned, wrong):
    """The message for wrongly clipped gradients, from the values before and after the call.

    `wrong` is the first wrong element as (before, after, expected).
    """
    x, y, expected = wrong
    element = f"{what}: an element {_fmt(x)} became {_fmt(y)}"
    if after == before:
        if returned is not None:
            return (f"{element}. Likely cause: the clipped gradients were returned but p.grad was left "
                    f"unchanged; clamp p.grad in place (clamp_) or assign the result to p.grad.")
        return (f"{element}. Likely cause: gradients not clipped in place (p.grad.clamp(...) returns a new "
                f"tensor; use clamp_ or assign the result to p.grad).")
    used = _bound_used(before, after, bound)
    if used is not None:
        rounded = used in (_FLOAT(int(clip_value)), _FLOAT(round(clip_value)))
        hint = ("int(clip_value) / rounding the bound" if rounded else
                "clamp with the bound clip_value itself: min=-clip_value, max=clip_value")
        return f"{what}: expected bound {clip_value:g}, got {_fmt(used)}. Likely cause: {hint}."
    return f"{element}, expected {_fmt(expected)}. Likely cause: {_clip_hint(before, after, bound)}."


def _bound_used(before, after, bound):
    """The bound the answer clamped with, when it clamped correctly but with another bound."""
    used = 0.0
    for x, y in zip(before, after):
        if x > bound or x < -bound:
            used = y if y > used else -y if -y > used else used
    if used == bound or not _follows(before, after, lambda x: _clamped(x, -used, used)):
        return None
    return used


def _follows(before, after, rule):
    """Whether every element went from x to rule(x) (up to float32 rounding)."""
    return all(_close(y, rule(x), 1e-6, 1e-7) for x, y in zip(before, after))


def _clip_hint(before, after, bound):
    """The likely cause of clipped values that follow some other rule than clamping."""

    def matches(rule):
        return _follows(before, after, rule)

    if matches(lambda x: x if x < bound else bound):
        return "one-sided clipping — clamp with both min=-clip_value and max=clip_value"
    if matches(lambda x: x if x > -bound else -bound):
        return "one-sided clipping — clamp with both min=-clip_value and max=clip_value"
    if matches(lambda x: -bound) or matches(lambda x: bound):
        return "min and max swapped; clamp with min=-clip_value and max=clip_value"
    if matches(lambda x: _clamped(x, 0.0, bound)):
        return "clamping into [0, clip_value]; the lower bound is -clip_value"
    if matches(lambda x: x if -bound <= x <= bound else 0.0):
        return ("elements outside the range were set to 0; they become the nearest bound, "
                "-clip_value or clip_value")
    if matches(lambda x: _clamped(x if x >= 0 else -x, 0.0, bound)):
        return "the sign was lost (abs); clamp each element into [-clip_value, clip_value], keeping its sign"
    nonzero = [(x, y) for x, y in zip(before, after) if x != 0]
    if nonzero:
        scale = nonzero[0][1] / nonzero[0][0]
        if scale < 1 and all(_close(y, x * scale, 1e-5, 1e-7) for x, y in zip(before, after)):
            return ("every element was scaled by the same factor (clipping by norm); clipping by value "
                    "clamps each element on its own")
    if any(-bound <= x <= bound and after[i] != x for i, x in enumerate(before)):
        return "elements already inside [-clip_value, clip_value] must stay unchanged"
    return "clamp each element into [-clip_value, clip_value], keeping its sign"


def _check_clipped(params, before, clip_value, what, returned=None):
    """Every gradient in `params` is its `before` values clamped into [-clip_value, clip_value].

    `before` holds (weights, gradient) lists per parameter; elements inside the bound must be
    unchanged exactly, clipped ones equal the bound in the gradient's dtype.
    """
    for index, (p, (weights, grad)) in enumerate(zip(params, before)):
        if _flat([p]) != weights:
            raise CheckFailed("clip_grad_value changed the weights themselves. Likely cause: clamping p.data "
                              "instead of p.grad.")
        if grad is None:
            if p.grad is not None:
                raise CheckFailed(f"{what}: a parameter without a gradient got one: expected .grad None, got a "
                                  f"tensor. Likely cause: skip p.grad is None instead of creating a gradient.")
            continue
        if p.grad is None:
            raise CheckFailed(f"{what}: a gradient became None. Likely cause: assign the clipped tensor to "
                              f"p.grad (or clamp it in place) rather than removing it.")
        after = _flat([p.grad])
        if len(after) != len(grad):
            raise CheckFailed(f"{what}: a gradient of {len(grad)} elements came back with {len(after)}. "
                              f"Likely cause: keep p.grad's shape (clamp it; do not index or reshape it).")
        bound = _bound(clip_value, p.grad.dtype)
        for x, y in zip(grad, after):
            expected = _clamped(x, -bound, bound)
            good = y == expected if -bound <= x <= bound else _close(y, expected, 1e-6)
            if not good:
                if index > 0 and all(_flat([q.grad]) == g for q, (_, g) in zip(params[1:], before[1:])
                                     if g is not None and q.grad is not None):
                    raise CheckFailed(f"{what}: only the first parameter was clipped, an element {_fmt(x)} of "
                                      f"the next stayed {_fmt(y)}. Likely cause: a return or break inside the "
                                      f"loop over parameters.")
                raise CheckFailed(_clip_failure(what, grad, after, clip_value, bound, returned, (x, y, expected)))


def _state(params):
    """(weights, gradient or None) as python floats for each parameter."""
    return [(_flat([p]), None if p.grad is None else _flat([p.grad])) for p in params]


def clip_value_elements(fn):
    """fn(parameters, clip_value) clamps every gradient element into [-clip_value, clip_value]."""
    _require_untampered()
    for values, clip_value, dtype in ELEMENT_CASES:
        p = _parameter(values, dtype)
        before = _state([p])
        what = f"clip_grad_value with clip_value={clip_value}"
        returned = _call(what, fn, [p], clip_value)
        _check_clipped([p], before, clip_value, what, returned)
    for container, grads, clip_value in GROUP_CASES:
        params = [_parameter(values, torch.float32) for values in grads]
        before = _state(params)
        what = (f"clip_grad_value on a {container.__name__} of {len(params)} parameters "
                f"with clip_value={clip_value}")
        returned = _call(what, fn, container(params), clip_value)
        _check_clipped(params, before, clip_value, what, returned)


def _model_with_gradients(seed, scale=20.0):
    """SmallNet after one backward pass of a scaled loss: most gradients exceed CLIP_VALUE."""
    model = _small_net(seed)
    x, y = _regression_data(seed)
    (scale * torch.nn.functional.mse_loss(model(x), y)).backward()
    return model


def _check_generator(fn):
    """model.parameters() is a generator: every parameter must be clipped from one pass."""
    model = _model_with_gradients(seed=1)
    params = list(model.parameters())
    before = _state(params)
    what = f"clip_grad_value(model.parameters(), {CLIP_VALUE}) on SmallNet"
    returned = _call(what, fn, model.parameters(), CLIP_VALUE)
    try:
        _check_clipped(params, before, CLIP_VALUE, what, returned)
    except CheckFailed as failure:     # is it the generator? the same call with a list tells
        clipped = [grad is not None and _flat([p.grad]) != grad for p, (_, grad) in zip(params, before)]
        listed = _model_with_gradients(seed=1)
        listed_params = list(listed.parameters())
        listed_before = _state(listed_params)
        try:
            _call(what, fn, listed_params, CLIP_VALUE)
            _check_clipped(listed_params, listed_before, CLIP_VALUE, what)
        except CheckFailed:
            raise failure from None
        if not any(clipped):
            which = "no parameter was"
        elif clipped[0] and not any(clipped[1:]):
            which = "only the first parameter was"
        else:
            which = f"only {sum(clipped)} of {len(clipped)} parameters were"
        raise CheckFailed(f"{which} clipped when parameters is a generator (a list works). Likely cause: the "
                          f"generator was consumed twice (list(parameters) once and reuse it).") from None


def _check_missing_gradients(fn):
    """Parameters without a gradient (frozen, or not reached by backward) are skipped."""
    model = _small_net(seed=2)
    model.layers[0].bias.requires_grad_(False)          # frozen: .grad stays None
    x, y = _regression_data(seed=2)
    (20.0 * torch.nn.functional.mse_loss(model(x), y)).backward()
    model.layers[2].weight.grad = None                  # trainable, but no gradient this step
    params = list(model.parameters())
    before = _state(params)
    what = f"clip_grad_value(model.parameters(), {CLIP_VALUE}) with a frozen parameter"
    try:
        returned = fn(model.parameters(), CLIP_VALUE)
    except NotImplementedError:
        raise CheckFailed(f"{what} raised NotImplementedError — {NOT_ANSWERED}") from None
    except (AttributeError, TypeError) as error:
        raise CheckFailed(f"a parameter whose .grad is None raised {error.__class__.__name__}. Likely cause: "
                          f"skip p.grad is None.") from None
    except Exception as error:
        raise CheckFailed(f"{what} raised {_describe(error)}. Likely cause: {SEE_TRACEBACK}.") from None
    _check_clipped(params, before, CLIP_VALUE, what, returned)


def _train_with_clipping(clip):
    """SGD on SmallNet for CLIP_RUN_STEPS updates, clipping every gradient; the final weights."""
    model = _small_net(seed=3)
    x, y = _regression_data(seed=3, scale=4.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=CLIP_RUN_LR)
    for t in range(CLIP_RUN_STEPS):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        clip(model.parameters(), t)
        optimizer.step()
    return _flat(model.parameters())


def clip_value_model(fn):
    """On SmallNet: None gradients skipped, generators handled, weights untouched; a training run
    clipped by fn ends where the same run clipped by torch.nn.utils.clip_grad_value_ ends."""
    _require_untampered()
    with _one_thread():
        _check_generator(fn)
        _check_missing_gradients(fn)
        _check_clipping_run(fn)


def _check_clipping_run(fn):
    """The real run: clipping by fn and by torch.nn.utils.clip_grad_value_ train identically."""
    run = f"a {CLIP_RUN_STEPS}-step SGD run of SmallNet clipped at {CLIP_VALUE}"
    student = _train_with_clipping(
        lambda params, t: _call(f"clip_grad_value at update {t} of {run}", fn, params, CLIP_VALUE))
    reference = _train_with_clipping(lambda params, t: torch.nn.utils.clip_grad_value_(params, CLIP_VALUE))
    _require_same_weights(student, reference,
                          f"after {run}, the weights: expected those of the same run clipped by "
                          f"torch.nn.utils.clip_grad_value_",
                          "clip_grad_value must clamp every gradient in place on every call and "
                          "change nothing else")


# ----------------------------------------------------------------------------------------------
# Exercise 3: the training step of a tiny character-level GPT (notebook 04)

# (peak_lr, warmup_steps, total_steps, min_lr): fractional values, no warmup, a one-step warmup, a
# single decay step, min_lr 0 and above 0. Short schedules are checked at every step.
SCHEDULE_CASES = ((3e-3, 4, 7, 3e-4), (0.05, 1, 6, 0.005), (0.37, 0, 9, 0.0), (1.5, 10, 31, 0.25),
                  (6e-4, 100, 2000, 6e-5), (0.8, 3, 4, 0.1))
SCHEDULE_ALL_STEPS = 40     # schedules up to this long are checked at every step
WARMUP_FORMULA = "peak_lr * (step + 1) / warmup_steps while step < warmup_steps"
COSINE_FORMULA = ("min_lr + 0.5 * (peak_lr - min_lr) * (1 + cos(pi * progress)) with progress = "
                  "(step - warmup_steps) / (total_steps - warmup_steps)")


def warmup_cosine(step, peak_lr, warmup_steps, total_steps, min_lr):
    """The lr at update `step` (0-based): linear warmup to peak_lr, then cosine decay to min_lr."""
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + 0.5 * (peak_lr - min_lr) * (1 + math.cos(math.pi * progress))


def warmup_cosine_table(peak_lr, warmup_steps, total_steps, min_lr):
    """The (step, expected lr) pairs checked: every step of a short schedule, else its edges.

    The edges: the first steps, the last warmup step and the first decay steps (where peak_lr is
    reached twice), the middle of the decay, and the last steps.
    """
    w, n = warmup_steps, total_steps
    if n <= SCHEDULE_ALL_STEPS:
        steps = list(range(n))
    else:
        steps = sorted({t for t in (0, 1, w - 1, w, w + 1, w + (n - w) // 2, n - 2, n - 1) if t >= 0})
    return [(t, warmup_cosine(t, peak_lr, warmup_steps, total_steps, min_lr)) for t in steps]


def _schedule_settings(case):
    peak, w, n, low = case
    return f"peak_lr={peak:g}, warmup_steps={w}, total_steps={n}, min_lr={low:g}"


def _schedule_mistakes(peak, w, n, low):
    """(likely cause, wrong formula) for what students hand in, given one case's settings."""
    def cosine(progress, bottom=low, half=0.5, top=peak, turn=math.pi):
        return bottom + half * (top - bottom) * (1 + math.cos(turn * progress))

    def warm(t):
        return peak * (t + 1) / w

    def decay(t):
        return cosine((t - w) / (n - w))

    def piecewise(warmup, after, edge=w):
        return lambda t: warmup(t) if t < edge else after(t)

    zero_start = ("the warmup starts at lr 0 (step / warmup_steps); step 0 already trains: "
                  "use peak_lr * (step + 1) / warmup_steps")
    return [
        (zero_start, piecewise(lambda t: peak * t / w, decay)),
        (zero_start, piecewise(lambda t: peak * t / (w - 1), decay)),
        ("the warmup divides by warmup_steps + 1, so it never reaches peak_lr; use "
         "peak_lr * (step + 1) / warmup_steps", piecewise(lambda t: peak * (t + 1) / (w + 1), decay)),
        ("the warmup branch also takes step == warmup_steps (<= instead of <); the decay starts there",
         piecewise(warm, decay, w + 1)),
        ("the warmup ramps up from min_lr; it ramps from 0: peak_lr * (step + 1) / warmup_steps",
         piecewise(lambda t: low + (peak - low) * (t + 1) / w, decay)),
        ("integer division (//) in the warmup; use true division",
         piecewise(lambda t: peak * ((t + 1) // w), decay)),
        ("no warmup: the cosine starts at step 0; during the first warmup_steps steps the lr is "
         "peak_lr * (step + 1) / warmup_steps", lambda t: cosine(t / n)),
        ("progress counts from step 0; it counts from the end of the warmup: "
         "(step - warmup_steps) / (total_steps - warmup_steps)", piecewise(warm, lambda t: cosine(t / n))),
        ("progress counts from step 0; it counts from the end of the warmup: "
         "(step - warmup_steps) / (total_steps - warmup_steps)", piecewise(warm, lambda t: cosine(t / (n - w)))),
        ("progress divided by total_steps; divide by the length of the decay, total_steps - warmup_steps",
         piecewise(warm, lambda t: cosine((t - w) / n))),
        ("progress is one step ahead ((step - warmup_steps + 1) / ...); at step == warmup_steps it is 0 "
         "and the lr is peak_lr", piecewise(warm, lambda t: cosine((t - w + 1) / (n - w)))),
        ("progress divided by total_steps - warmup_steps - 1 reaches min_lr at the last step; divide by "
         "total_steps - warmup_steps (the last step stays just above min_lr)",
         piecewise(warm, lambda t: cosine((t - w) / (n - w - 1)))),
        ("integer division (//) in progress keeps the lr at peak_lr; use true division",
         piecewise(warm, lambda t: cosine((t - w) // (n - w)))),
        ("min_lr ignored, so the lr decays to 0; use " + COSINE_FORMULA,
         piecewise(warm, lambda t: cosine((t - w) / (n - w), bottom=0.0))),
        ("min_lr added on top of the full cosine; scale the cosine by (peak_lr - min_lr)",
         piecewise(warm, lambda t: low + cosine((t - w) / (n - w), bottom=0.0))),
        ("missing the factor 0.5 in 0.5 * (peak_lr - min_lr) * (1 + cos(pi * progress))",
         piecewise(warm, lambda t: cosine((t - w) / (n - w), half=1.0))),
        ("1 - cos makes the lr rise after the warmup; use 1 + cos(pi * progress)",
         piecewise(warm, lambda t: low + 0.5 * (peak - low) * (1 - math.cos(math.pi * (t - w) / (n - w))))),
        ("cos(progress) without pi; the decay uses cos(pi * progress)",
         piecewise(warm, lambda t: cosine((t - w) / (n - w), turn=1.0))),
        ("cos(pi / 2 * progress) is a quarter of the cosine; the decay uses cos(pi * progress)",
         piecewise(warm, lambda t: cosine((t - w) / (n - w), turn=math.pi / 2))),
        ("a linear decay; after the warmup the lr follows the cosine " + COSINE_FORMULA,
         piecewise(warm, lambda t: low + (peak - low) * (1 - (t - w) / (n - w)))),
    ]


def _schedule_value(fn, case, step):
    """fn's lr for `step` in `case` as a float; None when it fails in any way."""
    try:
        value = _FLOAT(fn(step, *case))
    except Exception:
        return None
    return value if value == value else None


def _explain_schedule(fn, case, step):
    """The likely cause of a wrong lr at `step`, found by comparing the whole case with mistakes."""
    peak, w, n, low = case
    probes = [t for t, _ in warmup_cosine_table(*case)]
    values = [_schedule_value(fn, case, t) for t in probes]
    if all(v is not None for v in values):
        for hint, wrong in _schedule_mistakes(peak, w, n, low):
            try:
                if all(_close(v, wrong(t), LR_RTOL, LR_ATOL) for t, v in zip(probes, values)):
                    return hint
            except (ArithmeticError, TypeError, ValueError):      # e.g. a division by warmup_steps 0
                continue
    if step < w:
        return f"during the warmup the lr is {WARMUP_FORMULA}"
    if w == 0:
        return f"warmup_steps = 0 means no warmup: the cosine starts at step 0, {COSINE_FORMULA}"
    return f"from step warmup_steps on the lr is {COSINE_FORMULA}"


def warmup_cosine_schedule(fn):
    """fn(step, peak_lr, warmup_steps, total_steps, min_lr): linear warmup, then cosine decay."""
    _require_untampered()
    for case in SCHEDULE_CASES:
        peak, w, n, low = case
        hint = SEE_TRACEBACK
        if w == 0:
            hint = ("warmup_steps = 0 means no warmup, so never divide by warmup_steps then (only "
                    "while step < warmup_steps)")
        for step, expected in warmup_cosine_table(*case):
            what = f"warmup_cosine_lr(step={step}, {_schedule_settings(case)})"
            returned = _call(what, fn, step, peak, w, n, low, hint=hint)
            got = _number(returned, what)
            if w == 0 and not -math.inf < got < math.inf:
                raise CheckFailed(f"{what}: expected {_fmt(expected)}, got {_fmt(got)}. Likely cause: {hint}.")
            if not _close(got, expected, LR_RTOL, LR_ATOL):
                raise CheckFailed(f"{what}: expected {_fmt(expected)}, got {_fmt(got)}. "
                                  f"Likely cause: {_explain_schedule(fn, case, step)}.")


# The tiny GPT: about 7k parameters, so a training step takes a few milliseconds.
GPT_VOCAB, GPT_CONTEXT, GPT_WIDTH, GPT_HEADS, GPT_BLOCKS, GPT_BATCH = 20, 8, 16, 2, 2, 4
# CUDA kernels may sum in another order than the CPU's; the CPU reproduces the reference exactly.
GPT_RTOL = 1e-4 if DEVICE.type == "cuda" else 1e-5


class _Block(torch.nn.Module):
    """A pre-LayerNorm transformer block: causal self-attention, then a GELU MLP.

    The attention is spelled out (no scaled_dot_product_attention), so runs do not depend on which
    fused kernel a GPU picks.
    """

    def __init__(self, width, heads, context):
        super().__init__()
        self.heads = heads
        self.norm1 = torch.nn.LayerNorm(width)
        # No bias: a key bias has no true gradient, only rounding noise, which AdamW would amplify.
        self.qkv = torch.nn.Linear(width, 3 * width, bias=False)
        self.proj = torch.nn.Linear(width, width)
        self.norm2 = torch.nn.LayerNorm(width)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(width, 4 * width), torch.nn.GELU(),
                                       torch.nn.Linear(4 * width, width))
        self.register_buffer("mask", torch.ones(context, context, dtype=torch.bool).tril())

    def attend(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        scores = scores.masked_fill(~self.mask[:t, :t], float("-inf"))
        y = scores.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, c))

    def forward(self, x):
        x = x + self.attend(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TinyGPT(torch.nn.Module):
    """A character-level GPT in miniature: (batch, context) tokens -> (batch, context, vocab) logits."""

    def __init__(self, vocab=GPT_VOCAB, context=GPT_CONTEXT, width=GPT_WIDTH, heads=GPT_HEADS,
                 blocks=GPT_BLOCKS):
        super().__init__()
        self.token = torch.nn.Embedding(vocab, width)
        self.position = torch.nn.Embedding(context, width)
        self.blocks = torch.nn.ModuleList(_Block(width, heads, context) for _ in range(blocks))
        self.norm = torch.nn.LayerNorm(width)
        self.head = torch.nn.Linear(width, vocab)

    def forward(self, tokens):
        x = self.token(tokens) + self.position(torch.arange(tokens.shape[1], device=tokens.device))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def _tiny_gpt(seed):
    """The same initial TinyGPT for every call with the same seed, on DEVICE.

    Built on the CPU from the CPU generator alone (torch.manual_seed would reseed CUDA too), inside
    fork_rng, so the global random state is untouched.
    """
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(seed)
        model = TinyGPT()
    return model.to(DEVICE)


def _token_batches(seed, count):
    """`count` fixed (inputs, targets) batches from a random walk over the vocabulary, on DEVICE.

    The walk moves 1-3 characters on, so the next character is partly predictable; targets are the
    inputs shifted by one position.
    """
    generator = torch.Generator().manual_seed(seed)
    moves = torch.randint(1, 4, (512,), generator=generator)
    text = (torch.randint(0, GPT_VOCAB, (1,), generator=generator) + moves.cumsum(0)) % GPT_VOCAB
    batches = []
    for _ in range(count):
        starts = torch.randint(0, len(text) - GPT_CONTEXT, (GPT_BATCH,), generator=generator).tolist()
        inputs = torch.stack([text[s:s + GPT_CONTEXT] for s in starts])
        targets = torch.stack([text[s + 1:s + GPT_CONTEXT + 1] for s in starts])
        batches.append((inputs.to(DEVICE), targets.to(DEVICE)))
    return batches


def _global_norm(grads):
    """The L2 norm of all gradients together, as clip_grad_norm_ computes it (a 0-d tensor)."""
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g, 2) for g in grads]), 2)


def _reference_step(model, optimizer, inputs, targets, lr, max_norm, zero=True, clip="before",
                    set_lr="before", steps=1):
    """One training step as the spec says (the defaults), or with one named mistake.

    zero: clear old gradients first. clip: "before" the step (by the global norm), "after" it,
    "none", "value" (clip_grad_value_), "each" (every parameter on its own). set_lr: "before" the
    step on every group, "first" group only, "after" the step, "never". steps: how many
    optimizer.step() calls. Returns (loss, norm before clipping) as floats. The clipping is
    spelled out, so a patched torch helper cannot change the reference.
    """
    params = [p for group in optimizer.param_groups for p in group["params"]]
    groups = optimizer.param_groups[:1] if set_lr == "first" else optimizer.param_groups
    if set_lr in ("before", "first"):
        for group in groups:
            group["lr"] = lr
    if zero:
        optimizer.zero_grad()
    logits = model(inputs)
    value = torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())
    value.backward()
    grads = [p.grad for p in params if p.grad is not None]
    with torch.no_grad():
        norm = _global_norm(grads)

        def clip_now():
            if clip in ("before", "after"):
                scale = (max_norm / (norm + 1e-6)).clamp(max=1.0)
                for g in grads:
                    g.mul_(scale)
            elif clip == "value":
                for g in grads:
                    g.clamp_(-max_norm, max_norm)
            elif clip == "each":
                for g in grads:
                    g.mul_((max_norm / (torch.linalg.vector_norm(g, 2) + 1e-6)).clamp(max=1.0))

        if clip != "after":
            clip_now()
        for _ in range(steps):
            optimizer.step()
        if clip == "after":
            clip_now()
    if set_lr == "after":
        for group in optimizer.param_groups:
            group["lr"] = lr
    return value.item(), norm.item()


def _pair(returned, what):
    """train_step's (loss, grad_norm) as two python floats."""
    if returned is None:
        raise CheckFailed(f"{what} returned None. Likely cause: a missing return; train_step returns "
                          f"(loss, grad_norm).")
    try:
        loss, norm = returned
    except Exception:
        raise CheckFailed(f"{what} returned a {returned.__class__.__name__}, expected the pair (loss, "
                          f"grad_norm). Likely cause: return loss.item(), grad_norm.item().") from None
    if norm is None:
        raise CheckFailed(f"{what} returned None as grad_norm. Likely cause: return the total norm that "
                          f"torch.nn.utils.clip_grad_norm_ returns (clip_grad_value_ returns None).")
    return _number(loss, f"{what} (the loss)"), _number(norm, f"{what} (the gradient norm)")


def _train_step_hint(error):
    """A likely cause for an exception raised by train_step."""
    text = _describe(error)
    if "target" in text or "batch_size" in text or "size mismatch" in text:
        return ("F.cross_entropy takes logits of shape (N, vocab) and targets of shape (N,): flatten the "
                "batch and context dimensions (logits.flatten(0, 1), targets.flatten())")
    if "view size is not compatible" in text:
        return "use reshape (or flatten) instead of view on a non-contiguous tensor"
    return SEE_TRACEBACK


def _call_train_step(fn, what, *args):
    """train_step(*args) as (loss, norm) floats; exceptions become CheckFailed with a likely cause."""
    try:
        returned = fn(*args)
    except NotImplementedError:
        raise CheckFailed(f"{what} raised NotImplementedError — {NOT_ANSWERED}") from None
    except Exception as error:
        raise CheckFailed(f"{what} raised {_describe(error)}. Likely cause: {_train_step_hint(error)}.") from None
    return _pair(returned, what)


# One SGD step: two param groups whose lrs differ from STEP_LR, stale gradients in every .grad, and
# a max_norm far below the gradient norm (about 1 at the initial weights) and below the largest
# gradient element (so clip_grad_value_ at max_norm shows too).
STEP_LR, STEP_GROUP_LRS, STEP_MAX_NORM, STEP_JUNK = 0.3, (0.02, 0.05), 0.1, 0.05
STEP_SEED = 11


def _sgd_setup(seed=STEP_SEED):
    """A fresh TinyGPT, its SGD optimizer (embeddings, the rest) and stale gradients in every .grad."""
    model = _tiny_gpt(seed)
    embeddings = [model.token.weight, model.position.weight]
    rest = [p for name, p in model.named_parameters() if not name.startswith(("token.", "position."))]
    optimizer = torch.optim.SGD([{"params": embeddings, "lr": STEP_GROUP_LRS[0]}, {"params": rest}],
                                lr=STEP_GROUP_LRS[1])
    generator = torch.Generator().manual_seed(seed + 1)
    for p in model.parameters():
        p.grad = (STEP_JUNK * torch.randn(p.shape, generator=generator)).to(DEVICE)
    inputs, targets = _token_batches(seed, 1)[0]
    return model, optimizer, inputs, targets


def _step_facts(max_norm):
    """What the correct step gives: loss, norm, the weights after it, and wrong values to compare."""
    model, optimizer, inputs, targets = _sgd_setup()
    stale = [p.grad.clone() for p in model.parameters()]
    ce = torch.nn.functional.cross_entropy
    with torch.no_grad():
        logits = model(inputs)
        facts = {"sum": ce(logits.flatten(0, 1), targets.flatten(), reduction="sum").item(),
                 "last": ce(logits[:, -1], targets[:, -1]).item(),
                 "shifted": ce(logits[:, :-1].flatten(0, 1), targets[:, 1:].flatten()).item()}
    model.zero_grad()
    ce(model(inputs).flatten(0, 1), targets.flatten()).backward()
    grads = [p.grad for p in model.parameters()]
    with torch.no_grad():
        facts.update({"with stale": _global_norm([g + s for g, s in zip(grads, stale)]).item(),
                      "each": [torch.linalg.vector_norm(g, 2).item() for g in grads],
                      "groups": [_global_norm(grads[:2]).item(), _global_norm(grads[2:]).item()],
                      "largest": _max_size(_flat(grads))})
    model, optimizer, inputs, targets = _sgd_setup()
    facts["loss"], facts["norm"] = _reference_step(model, optimizer, inputs, targets, STEP_LR, max_norm)
    facts["weights"] = _flat(model.parameters())
    with torch.no_grad():
        facts["loss after"] = ce(model(inputs).flatten(0, 1), targets.flatten()).item()
    return facts


def _is(got, value):
    return _close(got, value, 1e-4, 1e-9)


def _loss_hint(got, facts):
    expected = facts["loss"]
    if _is(got, facts["norm"]):
        return "the pair is swapped; return (loss, grad_norm)"
    if _is(got, facts["sum"]):
        return "the loss is summed over positions; take the mean over all batch x context positions"
    if _is(got, expected * GPT_CONTEXT) or _is(got, expected * GPT_BATCH):
        return "the loss is summed over one dimension; take the mean over all batch x context positions"
    if _is(got, facts["loss after"]):
        return ("the loss was measured after optimizer.step(); return the loss of the forward pass "
                "before the update")
    if _is(got, facts["last"]):
        return "only the last position counts; average the cross-entropy over every position"
    if _is(got, facts["shifted"]):
        return ("the targets were shifted again; they are already the next characters, so compare "
                "logits and targets position by position")
    return "the loss is the mean cross-entropy of model(inputs) against targets, before the update"


def _norm_hint(got, facts, max_norm):
    norm = facts["norm"]
    if _is(got, max_norm):
        return ("the norm was measured after clipping (it equals max_norm); return the norm before "
                "clipping, which clip_grad_norm_ returns")
    if _is(got, facts["with stale"]):
        return "old gradients were not cleared; call optimizer.zero_grad() before loss.backward()"
    if _is(got, facts["loss"]):
        return "the pair is swapped; return (loss, grad_norm)"
    if _is(got, norm * norm):
        return "the square root is missing; the global norm is sqrt(sum of all squared gradient elements)"
    if _is(got, sum(facts["each"])):
        return "the per-parameter norms were added; the global norm is sqrt(sum of their squares)"
    if any(_is(got, x) for x in facts["each"]) or any(_is(got, x) for x in facts["groups"]):
        return "the norm of some gradients only; the global norm covers every parameter's gradient together"
    if _is(got, facts["largest"]):
        return "the largest gradient element (the inf-norm); the global norm is the L2 norm of all gradients"
    if got == 0:
        return "the gradients were cleared after loss.backward(); clear them before it"
    return "return the L2 norm of all gradients together, measured after backward and before clipping"


# (likely cause, options of _reference_step): train_step mistakes that change the weights.
STEP_MISTAKES = (
    ("clipping after optimizer.step() does not change this update; clip between loss.backward() and "
     "optimizer.step()", {"clip": "after"}),
    ("the gradients were not clipped before the update; call clip_grad_norm_(model.parameters(), "
     "max_norm) between loss.backward() and optimizer.step()", {"clip": "none"}),
    ("old gradients were not cleared; call optimizer.zero_grad() before loss.backward()", {"zero": False}),
    ("the lr was set after optimizer.step(), so the update used the old lr; set it before the step",
     {"set_lr": "after"}),
    ("the lr was not written into the optimizer; set group['lr'] = lr on every param group",
     {"set_lr": "never"}),
    ("the lr was set on the first param group only; loop over all optimizer.param_groups",
     {"set_lr": "first"}),
    ("clip_grad_value_ clips each element; clip the global norm with clip_grad_norm_", {"clip": "value"}),
    ("each parameter was clipped to max_norm on its own; clip the norm of all gradients together",
     {"clip": "each"}),
    ("optimizer.step() was called twice; train_step makes one update", {"steps": 2}),
)


def _weights_hint(student, student_grads, max_norm, tolerance):
    """The likely cause of wrong weights after one SGD step, by redoing the step with each mistake."""
    model, _, _, _ = _sgd_setup()
    if _max_difference(student, _flat(model.parameters())) <= tolerance:
        return ("the weights did not change; call optimizer.step() once, after clipping, and do not clear "
                "the gradients between loss.backward() and the step")
    for hint, mistake in STEP_MISTAKES:
        model, optimizer, inputs, targets = _sgd_setup()
        _reference_step(model, optimizer, inputs, targets, STEP_LR, max_norm, **mistake)
        if _max_difference(student, _flat(model.parameters())) <= tolerance:
            if mistake.get("clip") == "after" and student_grads is not None and \
                    not _max_difference(student_grads, _flat(p.grad for p in model.parameters())) <= tolerance:
                continue        # the gradients say: not clipped at all
            return hint
    return ("train_step must set the lr on every group, clear the gradients, backpropagate the mean "
            "cross-entropy, clip the global norm and call optimizer.step() once, in that order")


def _group_lr_hint(got, before, lr):
    if _close(got[0], lr, LR_RTOL) and all(_close(x, y, LR_RTOL) for x, y in zip(got[1:], before[1:])):
        return "the lr was set on the first param group only; loop over all optimizer.param_groups"
    if all(_close(x, y, LR_RTOL) for x, y in zip(got, before)):
        return "the lr was never written into the optimizer; set group['lr'] = lr for every param group"
    return "set group['lr'] = lr (the argument itself) for every group in optimizer.param_groups"


def _weights_tolerance(reference):
    return GPT_RTOL * (1 + _max_size(reference))


def _check_one_step(fn):
    """One SGD step with stale gradients, two param groups and active clipping, against the spec."""
    max_norm = STEP_MAX_NORM
    what = (f"train_step(model, optimizer, inputs, targets, lr={STEP_LR:g}, max_norm={max_norm:g}) on the "
            f"tiny GPT with SGD")
    model, optimizer, inputs, targets = _sgd_setup()
    loss, norm = _call_train_step(fn, what, model, optimizer, inputs, targets, STEP_LR, max_norm)
    facts = _step_facts(max_norm)
    if not _close(loss, facts["loss"], GPT_RTOL):
        raise CheckFailed(f"{what}: expected the loss {_fmt(facts['loss'])} (before the update), got "
                          f"{_fmt(loss)}. Likely cause: {_loss_hint(loss, facts)}.")
    if not _close(norm, facts["norm"], GPT_RTOL):
        raise CheckFailed(f"{what}: expected the gradient norm before clipping {_fmt(facts['norm'])}, got "
                          f"{_fmt(norm)}. Likely cause: {_norm_hint(norm, facts, max_norm)}.")
    lrs = [_number(group["lr"], f"the param group lr after {what}") for group in optimizer.param_groups]
    if not all(_close(x, STEP_LR, LR_RTOL) for x in lrs):
        shown = "[" + ", ".join(_fmt(x) for x in lrs) + "]"
        raise CheckFailed(f"{what}: expected lr {_fmt(STEP_LR)} in both param groups afterwards, got {shown}. "
                          f"Likely cause: {_group_lr_hint(lrs, STEP_GROUP_LRS, STEP_LR)}.")
    weights, reference = _flat(model.parameters()), facts["weights"]
    tolerance = _weights_tolerance(reference)
    difference = _max_difference(weights, reference)
    if not difference <= tolerance:
        grads = None if any(p.grad is None for p in model.parameters()) else _flat(p.grad for p in model.parameters())
        raise CheckFailed(f"{what}: expected the weights of one SGD step with the clipped gradients, got weights "
                          f"up to {difference:.3g} away (at most {tolerance:.3g} allowed). Likely cause: "
                          f"{_weights_hint(weights, grads, max_norm, tolerance)}.")


def _check_no_clipping(fn):
    """max_norm = inf clips nothing, and the norm returned is still the (finite) gradient norm."""
    what = "train_step(..., max_norm=math.inf) on the tiny GPT with SGD"
    model, optimizer, inputs, targets = _sgd_setup()
    _, norm = _call_train_step(fn, what, model, optimizer, inputs, targets, STEP_LR, math.inf)
    reference, optimizer2, inputs2, targets2 = _sgd_setup()
    _, expected = _reference_step(reference, optimizer2, inputs2, targets2, STEP_LR, math.inf)
    if not _close(norm, expected, GPT_RTOL):
        hint = ("max_norm was returned instead of the gradient norm measured before clipping"
                if norm == math.inf else "return the L2 norm of all gradients, measured before clipping")
        raise CheckFailed(f"{what}: expected the gradient norm {_fmt(expected)}, got {_fmt(norm)}. "
                          f"Likely cause: {hint}.")
    weights, expected_weights = _flat(model.parameters()), _flat(reference.parameters())
    tolerance = _weights_tolerance(expected_weights)
    difference = _max_difference(weights, expected_weights)
    if not difference <= tolerance:
        finite = all(-math.inf < x < math.inf for x in weights)
        hint = ("gradients whose norm is below max_norm must stay unchanged; cap the clip factor "
                "max_norm / norm at 1 (here it is inf)" if not finite else
                "with max_norm = inf nothing is clipped: gradients whose norm is below max_norm stay "
                "unchanged")
        raise CheckFailed(f"{what}: expected the weights of one unclipped SGD step, got weights up to "
                          f"{difference:.3g} away (at most {tolerance:.3g} allowed). Likely cause: {hint}.")


# The real run: AdamW (weight decay on the matrices only) on fixed batches, the lr from a warmup +
# cosine schedule, clipping at a max_norm that some updates exceed and others do not.
GPT_RUN_STEPS, GPT_RUN_SEED, GPT_RUN_MAX_NORM = 20, 7, 0.85
GPT_RUN_SCHEDULE = (1e-2, 4, GPT_RUN_STEPS, 1e-3)       # peak_lr, warmup_steps, total_steps, min_lr


def _gpt_run(step):
    """Train TinyGPT for GPT_RUN_STEPS updates; step(model, optimizer, inputs, targets, lr, max_norm, t)
    returns (loss, norm). Returns (losses, norms, lr in every group after each step, final weights)."""
    model = _tiny_gpt(GPT_RUN_SEED)
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": 0.1},
                                   {"params": others, "weight_decay": 0.0}], lr=0.5)
    losses, norms, lrs = [], [], []
    for t, (inputs, targets) in enumerate(_token_batches(GPT_RUN_SEED, GPT_RUN_STEPS)):
        lr = warmup_cosine(t, *GPT_RUN_SCHEDULE)
        loss, norm = step(model, optimizer, inputs, targets, lr, GPT_RUN_MAX_NORM, t)
        losses.append(loss)
        norms.append(norm)
        lrs.append([_number(group["lr"], f"the param group lr after update {t}") for group in optimizer.param_groups])
    return losses, norms, lrs, _flat(model.parameters())


def _check_gpt_run(fn):
    """The real run: train_step and the reference step train the tiny GPT identically."""
    peak, w, n, low = GPT_RUN_SCHEDULE
    run = (f"a {GPT_RUN_STEPS}-step AdamW run of the tiny GPT (warmup {w} steps to {peak:g}, cosine to "
           f"{low:g}, max_norm={GPT_RUN_MAX_NORM:g})")
    student = _gpt_run(lambda model, optimizer, x, y, lr, max_norm, t: _call_train_step(
        fn, f"train_step at update {t} of {run}", model, optimizer, x, y, lr, max_norm))
    reference = _gpt_run(lambda model, optimizer, x, y, lr, max_norm, t: _reference_step(
        model, optimizer, x, y, lr, max_norm))
    for t in range(GPT_RUN_STEPS):
        lr = warmup_cosine(t, *GPT_RUN_SCHEDULE)
        earlier = ("the update before changed the weights differently from the reference: train_step must "
                   "clip and then call optimizer.step() once, and change the weights no other way" if t else
                   "train_step must work the same with any optimizer and keep no state between calls")
        for name, got, expected in (("loss", student[0][t], reference[0][t]),
                                    ("gradient norm", student[1][t], reference[1][t])):
            if not _close(got, expected, GPT_RTOL):
                raise CheckFailed(f"in {run}, the {name} at update {t}: expected {_fmt(expected)}, got "
                                  f"{_fmt(got)}. Likely cause: {earlier}.")
        if not all(_close(x, lr, LR_RTOL) for x in student[2][t]):
            raise CheckFailed(f"in {run}, the lr after update {t}: expected {_fmt(lr)} in every param group, "
                              f"got {', '.join(_fmt(x) for x in student[2][t])}. Likely cause: set group['lr'] = "
                              f"lr for every param group at every call.")
    _require_same_weights(student[3], reference[3],
                          f"after {run}, the weights: expected those of the same run with the reference "
                          f"train_step", "the last update changed the weights differently; call "
                          "optimizer.step() once, after clipping, and change the weights no other way",
                          rtol=GPT_RTOL)


def train_step_gpt(fn):
    """fn(model, optimizer, inputs, targets, lr, max_norm) -> (loss, grad_norm) on a tiny GPT: one
    clipped SGD step with stale gradients and two param groups, max_norm = inf, then a real AdamW
    run with a warmup + cosine schedule that matches the reference step for step."""
    _require_untampered()
    with _one_thread():
        _check_one_step(fn)
        _check_no_clipping(fn)
        _check_gpt_run(fn)
