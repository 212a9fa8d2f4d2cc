"""Hidden checks for the graded exercises: step decay (notebook 01) and value clipping (notebook 02).

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
           "clip_value_elements", "clip_value_model", "DEVICE"]

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


def _require_same_weights(student, reference, expected, cause):
    """Fail unless two training runs ended with the same weights, up to float rounding."""
    difference = _max_difference(student, reference)
    allowed = 1e-5 * (1 + _max_size(reference))
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
