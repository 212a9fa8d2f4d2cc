"""Judging Exercise 2, clipping by value: rebuild the gradients the probe handed to the answer,
clamp them here, and compare with what the answer left behind; the likely cause comes from the
record alone (the other cases the probe ran whatever the first ones did).
"""
import functools

import torch

from autograder.exercises.judging import CheckFailed, as_floats, close, fmt, fmt_pair, require_same_weights
from autograder.exercises.clip_value import probe as probe
from autograder.exercises.probing import one_thread

CPU = torch.device("cpu")
MALFORMED = ("the hidden tests' record of {what} is malformed. Likely cause: the answer cell interferes "
             "with the tests.")
# The clipped run ends within this relative distance of the reference run: float32 on a GPU or a
# CPU, in any order of operations, stays far below it; a wrong clipping misses by far more.
RUN_RTOL = 1e-5


# ----------------------------------------------------------------------------------------------
# The inputs, rebuilt here (never read from the record)

def _state(params):
    """((weights, gradient or None) as tuples of python floats) for each parameter."""
    return tuple((tuple(p.detach().flatten().tolist()),
                  None if p.grad is None else tuple(p.grad.flatten().tolist())) for p in params)


def _bound(clip_value, dtype):
    """clip_value as stored in a tensor of `dtype` (0.35 in float32 is 0.3499999940...)."""
    return torch.tensor(clip_value, dtype=dtype).item()


@functools.lru_cache(maxsize=None)
def _model_before(seed, missing=False):
    return _state(probe.model_with_gradients(seed, missing).parameters())


@functools.lru_cache(maxsize=1)
def _reference_run():
    """The final weights of the clipped run with torch.nn.utils.clip_grad_value_, on the CPU."""
    with one_thread():
        weights = probe.train_with_clipping(
            lambda params, t: torch.nn.utils.clip_grad_value_(params, probe.CLIP_VALUE), CPU)
    return weights.tolist()


# ----------------------------------------------------------------------------------------------
# Reading the record

def _floats(value, what):
    """as_floats, with a JSON integer too large for a float (OverflowError) failing the check too."""
    try:
        return as_floats(value, what)
    except OverflowError:
        raise CheckFailed(MALFORMED.format(what=what)) from None


def _tensors(record, key, what, count):
    """The `count` tensors (None for a missing gradient) observed under `key`."""
    value = record.result(key, what)
    if not isinstance(value, dict) or not isinstance(value.get("seq"), list) or len(value["seq"]) != count:
        raise CheckFailed(MALFORMED.format(what=what))
    return [_floats(item, what) for item in value["seq"]]


def _after(record, key, what, count):
    """[(weights, gradient or None)] for each of `count` parameters after the call `key`."""
    weights = _tensors(record, f"{key} weights", what, count)
    if any(w is None for w in weights):
        raise CheckFailed(MALFORMED.format(what=what))
    return list(zip(weights, _tensors(record, f"{key} grads", what, count)))


# ----------------------------------------------------------------------------------------------
# Clipped or not, and why

def _clamped(x, low, high):
    return low if x < low else high if x > high else x


def _same(got, expected):
    """Equal up to float32 rounding (a correct answer may compute in float32 or on a GPU)."""
    return len(got) == len(expected) and all(close(y, x) for x, y in zip(expected, got))


def _follows(before, after, rule):
    """Whether every element went from x to rule(x) (up to float32 rounding)."""
    return all(close(y, rule(x), 1e-6, 1e-7) for x, y in zip(before, after))


def _bound_used(before, after, bound):
    """The bound the answer clamped with, when it clamped correctly but with another bound."""
    used = 0.0
    for x, y in zip(before, after):
        if x > bound or x < -bound:
            used = max(used, y, -y)
    if close(used, bound) or not _follows(before, after, lambda x: _clamped(x, -used, used)):
        return None
    return used


def _clip_hint(before, after, bound):
    """The likely cause of clipped values that follow some other rule than clamping."""

    def matches(rule):
        return _follows(before, after, rule)

    if matches(lambda x: min(x, bound)) or matches(lambda x: max(x, -bound)):
        return "one-sided clipping — clamp with both min=-clip_value and max=clip_value"
    if matches(lambda x: -bound) or matches(lambda x: bound):
        return "min and max swapped; clamp with min=-clip_value and max=clip_value"
    if matches(lambda x: _clamped(x, 0.0, bound)):
        return "clamping into [0, clip_value]; the lower bound is -clip_value"
    if matches(lambda x: x if -bound <= x <= bound else 0.0):
        return ("elements outside the range were set to 0; they become the nearest bound, "
                "-clip_value or clip_value")
    if matches(lambda x: _clamped(abs(x), 0.0, bound)):
        return "the sign was lost (abs); clamp each element into [-clip_value, clip_value], keeping its sign"
    nonzero = [(x, y) for x, y in zip(before, after) if x != 0]
    if nonzero:
        scale = nonzero[0][1] / nonzero[0][0]
        if scale < 1 and all(close(y, x * scale, 1e-5, 1e-7) for x, y in zip(before, after)):
            return ("every element was scaled by the same factor (clipping by norm); clipping by value "
                    "clamps each element on its own")
    if any(-bound <= x <= bound and not close(y, x) for x, y in zip(before, after)):
        return "elements already inside [-clip_value, clip_value] must stay unchanged"
    return "clamp each element into [-clip_value, clip_value], keeping its sign"


def _clip_failure(what, before, after, clip_value, bound, returned, wrong):
    """The message for wrongly clipped gradients; `wrong` is the first wrong element as
    (before, after, expected)."""
    x, y, expected = wrong
    element = f"{what}: an element {fmt(x)} became {fmt(y)}"
    if _same(after, before):
        if returned is not None:
            return (f"{element}. Likely cause: the clipped gradients were returned but p.grad was left "
                    f"unchanged; clamp p.grad in place (clamp_) or assign the result to p.grad.")
        return (f"{element}. Likely cause: gradients not clipped in place (p.grad.clamp(...) returns a new "
                f"tensor; use clamp_ or assign the result to p.grad).")
    used = _bound_used(before, after, bound)
    if used is not None:
        rounded = used in (float(int(clip_value)), float(round(clip_value)))
        hint = ("int(clip_value) / rounding the bound" if rounded else
                "clamp with the bound clip_value itself: min=-clip_value, max=clip_value")
        shown_bound, shown_used = fmt_pair(clip_value, used)
        return f"{what}: expected bound {shown_bound}, got {shown_used}. Likely cause: {hint}."
    shown_expected, shown_got = fmt_pair(expected, y)
    return (f"{what}: an element {fmt(x)} became {shown_got}, expected {shown_expected}. "
            f"Likely cause: {_clip_hint(before, after, bound)}.")


def _check_clipped(what, before, after, clip_value, dtypes, returned):
    """Every gradient in `after` is its `before` values clamped into [-clip_value, clip_value]
    (in its dtype), no weight changed, and missing gradients stayed missing.

    `before` (rebuilt here) and `after` (from the record) hold (weights, gradient or None) for each
    parameter; `returned` is the call's recorded return value.
    """
    for index, ((weights, grad), (weights_after, grad_after), dtype) in enumerate(zip(before, after, dtypes)):
        if not _same(weights_after, weights):
            raise CheckFailed("clip_grad_value changed the weights themselves. Likely cause: clamping p.data "
                              "instead of p.grad.")
        if grad is None:
            if grad_after is not None:
                raise CheckFailed(f"{what}: a parameter without a gradient got one: expected .grad None, got a "
                                  f"tensor. Likely cause: skip p.grad is None instead of creating a gradient.")
            continue
        if grad_after is None:
            raise CheckFailed(f"{what}: a gradient became None. Likely cause: assign the clipped tensor to "
                              f"p.grad (or clamp it in place) rather than removing it.")
        if len(grad_after) != len(grad):
            raise CheckFailed(f"{what}: a gradient of {len(grad)} elements came back with {len(grad_after)}. "
                              f"Likely cause: keep p.grad's shape (clamp it; do not index or reshape it).")
        bound = _bound(clip_value, dtype)
        for x, y in zip(grad, grad_after):
            expected = _clamped(x, -bound, bound)
            if close(y, expected):
                continue
            if index > 0 and all(_same(a, b) for (_, b), (_, a) in zip(before[1:], after[1:])
                                 if a is not None and b is not None):
                raise CheckFailed(f"{what}: only the first parameter was clipped, an element {fmt(x)} of "
                                  f"the next stayed {fmt(y)}. Likely cause: a return or break inside the "
                                  f"loop over parameters.")
            raise CheckFailed(_clip_failure(what, grad, grad_after, clip_value, bound, returned, (x, y, expected)))


# ----------------------------------------------------------------------------------------------
# The checks

def clip_value_elements(record):
    """fn(parameters, clip_value) clamps every gradient element into [-clip_value, clip_value]."""
    for i, (values, clip_value, dtype) in enumerate(probe.ELEMENT_CASES):
        what = f"clip_grad_value with clip_value={clip_value}"
        before = _state([probe.parameter(values, dtype, CPU)])
        returned = record.result(f"elements {i}", what)
        _check_clipped(what, before, _after(record, f"elements {i}", what, 1), clip_value, [dtype], returned)
    for i, (container, grads, clip_value) in enumerate(probe.GROUP_CASES):
        what = (f"clip_grad_value on a {container.__name__} of {len(grads)} parameters "
                f"with clip_value={clip_value}")
        before = _state([probe.parameter(values, torch.float32, CPU) for values in grads])
        returned = record.result(f"group {i}", what)
        after = _after(record, f"group {i}", what, len(grads))
        _check_clipped(what, before, after, clip_value, [torch.float32] * len(grads), returned)


def clip_value_model(record):
    """On SmallNet: None gradients skipped, generators handled, weights untouched; a training run
    clipped by fn ends where the same run clipped by torch.nn.utils.clip_grad_value_ ends."""
    _check_generator(record)
    _check_missing_gradients(record)
    _check_clipping_run(record)


def _model_call(record, key, what, before):
    """(return value, [(weights, gradient or None)]) of the call `key` on SmallNet's parameters."""
    return record.result(key, what), _after(record, key, what, len(before))


def _check_model_call(record, key, what, before):
    returned, after = _model_call(record, key, what, before)
    _check_clipped(what, before, after, probe.CLIP_VALUE, [torch.float32] * len(before), returned)


def _check_generator(record):
    """model.parameters() is a generator: every parameter must be clipped from one pass. When it
    was not, the same call with a list (made by the probe whatever happened) tells why; a list
    must work too."""
    before = _model_before(probe.GENERATOR_SEED)
    what = f"clip_grad_value(model.parameters(), {probe.CLIP_VALUE}) on SmallNet"
    returned, after = _model_call(record, "generator", what, before)
    try:
        _check_clipped(what, before, after, probe.CLIP_VALUE, [torch.float32] * len(before), returned)
    except CheckFailed as failure:
        try:
            _check_model_call(record, "list", what, before)
        except CheckFailed:
            raise failure from None
        clipped = [grad is not None and (grad_after is None or not _same(grad_after, grad))
                   for (_, grad), (_, grad_after) in zip(before, after)]
        if not any(clipped):
            which = "no parameter was"
        elif clipped[0] and not any(clipped[1:]):
            which = "only the first parameter was"
        else:
            which = f"only {sum(clipped)} of {len(clipped)} parameters were"
        raise CheckFailed(f"{which} clipped when parameters is a generator (a list works). Likely cause: the "
                          f"generator was consumed twice (list(parameters) once and reuse it).") from None
    listed = f"clip_grad_value(list(model.parameters()), {probe.CLIP_VALUE}) on SmallNet"
    _check_model_call(record, "list", listed, before)


def _check_missing_gradients(record):
    """Parameters without a gradient (frozen, or not reached by backward) are skipped."""
    what = f"clip_grad_value(model.parameters(), {probe.CLIP_VALUE}) with a frozen parameter"
    if record.failed("missing") is not None and record.error_type("missing") in ("AttributeError", "TypeError"):
        raise CheckFailed(f"a parameter whose .grad is None raised {record.error_type('missing')}. Likely "
                          f"cause: skip p.grad is None.")
    _check_model_call(record, "missing", what, _model_before(probe.MISSING_SEED, missing=True))


def _check_clipping_run(record):
    """The real run: clipping by fn and by torch.nn.utils.clip_grad_value_ train alike."""
    run = f"a {probe.CLIP_RUN_STEPS}-step SGD run of SmallNet clipped at {probe.CLIP_VALUE}"
    cause = "clip_grad_value must clamp every gradient in place on every call and change nothing else"
    broken = record.failed("run weights") is not None      # the run itself stopped (not the answer)
    for t in range(probe.CLIP_RUN_STEPS):
        key = f"run update {t}"
        if broken and not record.has(key):
            break
        record.result(key, f"clip_grad_value at update {t} of {run}")
    student = _floats(record.result("run weights", run, hint=cause), run)
    if student is None:
        raise CheckFailed(MALFORMED.format(what=run))
    require_same_weights(student, _reference_run(),
                         f"after {run}, the weights: expected those of the same run clipped by "
                         f"torch.nn.utils.clip_grad_value_", cause, rtol=RUN_RTOL)
