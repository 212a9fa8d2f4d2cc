"""Judging Exercise 2, value clipping that counts what it clipped: rebuild the gradients the probe
handed to the answer, clamp and count them here, and compare with what the answer left behind and
returned.

Diagnosis from evidence: every case the probe ran (several bounds, dtypes, shapes, a 0-dim
parameter, several parameters per call, a generator, missing gradients, the next backward pass) is
matched against a catalogue of known mistakes, each one a small simulation of what that mistake
does. A likely cause is printed only when exactly one mistake reproduces every case
(judging.diagnose); otherwise the message shows the smallest failing case and no cause.
"""
import functools
import math

import torch

from autograder.exercises.judging import (NOT_ANSWERED, CheckFailed, Misconception, close, decode,
                                          diagnose, failure, fmt, kind_of, max_difference)
from autograder.exercises.clip_value import probe as probe
from autograder.exercises.probing import one_thread

CPU = torch.device("cpu")
MALFORMED = ("the hidden tests' record of {what} is malformed. Likely cause: the answer cell interferes "
             "with the tests.")
# The clipped run ends within this relative distance of the reference run: float32 on a GPU or a
# CPU, in any order of operations, stays far below it; a wrong clipping misses by far more.
RUN_RTOL = 1e-5
# How closely a rescaled gradient follows one factor, by dtype (bfloat16 keeps 8 bits of mantissa).
ROUNDING = {"bfloat16": 1e-2, "float16": 2e-3}
SHOWN = 12              # a gradient with more elements is shown by its first wrong element only


# ----------------------------------------------------------------------------------------------
# Tensors: (values as python floats, shape, dtype name)

class Grad(tuple):
    """(values, shape, dtype) of one gradient (or weight) tensor."""

    values = property(lambda self: self[0])
    shape = property(lambda self: self[1])
    dtype = property(lambda self: self[2])


def _grad_of(tensor):
    return Grad((tuple(tensor.detach().flatten().to(torch.float64).tolist()), tuple(tensor.shape),
                 str(tensor.dtype).replace("torch.", "")))


def _clamp(x, low, high):
    return low if x < low else high if x > high else x


def _show(values, shape):
    """A gradient as the student would print it: nested lists following `shape`, a scalar for 0-d."""
    if not shape:
        return fmt(values[0])
    if len(values) > SHOWN:
        return f"a tensor of shape {list(shape)}"

    def nest(flat, dims):
        if len(dims) == 1:
            return "[" + ", ".join(fmt(v) for v in flat) + "]"
        step = len(flat) // dims[0] if dims[0] else 0
        return "[" + ", ".join(nest(flat[i * step:(i + 1) * step], dims[1:]) for i in range(dims[0])) + "]"
    return nest(list(values), list(shape))


# ----------------------------------------------------------------------------------------------
# Reading the record (untrusted: anything unexpected fails the check)

def _tensor_item(item, what):
    """A recorded tensor as a Grad, or None for a recorded None."""
    if item is None:
        return None
    if not isinstance(item, dict) or not isinstance(item.get("tensor"), list) or \
            not isinstance(item.get("shape"), list) or not isinstance(item.get("dtype"), str):
        raise CheckFailed(MALFORMED.format(what=what))
    shape = item["shape"]
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 10 ** 7 for n in shape) or \
            math.prod(shape) != len(item["tensor"]):
        raise CheckFailed(MALFORMED.format(what=what))
    values = tuple(decode(x) for x in item["tensor"])
    if not all(math.isfinite(x) for x in values):
        raise CheckFailed(MALFORMED.format(what=what))
    return Grad((values, tuple(shape), item["dtype"][:20]))


def _tensors(record, key, what, count):
    """The `count` tensors (None for a missing gradient) observed under `key`."""
    value = record.result(key, what)
    if not isinstance(value, dict) or not isinstance(value.get("seq"), list) or len(value["seq"]) != count:
        raise CheckFailed(MALFORMED.format(what=what))
    return [_tensor_item(item, what) for item in value["seq"]]


def _bool(record, key, what):
    value = record.result(key, what)
    if not isinstance(value, dict) or not isinstance(value.get("bool"), bool):
        raise CheckFailed(MALFORMED.format(what=what))
    return value["bool"]


def _returned_number(value):
    """The returned value as a float when it is one number (a float, an int, a 1-element tensor)."""
    if isinstance(value, dict):
        if "float" in value and not isinstance(value["float"], bool):
            try:
                return decode(value["float"])
            except CheckFailed:
                return None
        if isinstance(value.get("tensor"), list) and len(value["tensor"]) == 1:
            try:
                return decode(value["tensor"][0])
            except CheckFailed:
                return None
    return None


def _kind(value):
    if value is None:
        return "None"
    if isinstance(value, dict) and isinstance(value.get("bool"), bool):
        return f"{value['bool']} (a bool)"
    if isinstance(value, dict) and "float" in value:
        return "float"
    return kind_of(value)


# ----------------------------------------------------------------------------------------------
# Cases: what one call was given (rebuilt here, never read from the record) and did

class Case:
    """One call: its description, the gradients it was given and the bound; then what the record
    says it left and returned."""

    def __init__(self, what, grads, clip_value, weights=None, names=None):
        self.what, self.clip_value = what, clip_value
        self.before = grads                                  # [Grad or None]
        self.weights = weights                               # [Grad]
        self.names = names or [f"parameter {i}" for i in range(len(grads))]
        self.after = self.weights_after = None
        self.error = self.error_type = None
        self.returned = self.is_int = None

    @property
    def expected(self):
        return [None if g is None else _clamped(g, self.clip_value) for g in self.before]

    @property
    def expected_count(self):
        return sum(1 for g in self.before if g is not None for x in g.values if abs(x) > self.clip_value)

    @property
    def size(self):
        return sum(len(g.values) for g in self.before if g is not None)

    def read(self, record, key, returns=True):
        outcome = record.outcome(key)
        if "error" in outcome:
            self.error, self.error_type = record.failed(key)[:240].rstrip("."), record.error_type(key)
            if self.error_type == "NotImplementedError":
                raise CheckFailed(f"{self.what} raised NotImplementedError — {NOT_ANSWERED}")
        elif returns:
            self.returned = outcome["value"]
            self.is_int = _bool(record, f"{key} int", self.what)
        self.weights_after = _tensors(record, f"{key} weights", self.what, len(self.before))
        if any(w is None for w in self.weights_after):
            raise CheckFailed(MALFORMED.format(what=self.what))
        self.after = _tensors(record, f"{key} grads", self.what, len(self.before))
        return self


def _clamped(grad, clip_value):
    """grad clamped into [-clip_value, clip_value] by torch in grad's own dtype, as python floats."""
    tensor = torch.tensor(grad.values, dtype=torch.float64).to(getattr(torch, grad.dtype))
    return Grad((tuple(tensor.clamp(-clip_value, clip_value).to(torch.float64).tolist()), grad.shape, grad.dtype))


def _same(got, expected, rtol=1e-5):
    return len(got) == len(expected) and all(close(y, x, rtol, 1e-12) for x, y in zip(expected, got))


def _grads_right(case):
    return all((e is None) == (a is None) and (e is None or (_same(a.values, e.values) and a.shape == e.shape))
               for e, a in zip(case.expected, case.after))


# ----------------------------------------------------------------------------------------------
# The catalogue of wrong clippings: each mistake simulated on a case's gradients

def _elementwise(rule):
    def simulate(case):
        c = case.clip_value
        return [None if g is None else [rule(x, c) for x in g.values] for g in case.before]
    return simulate


def _sign(x):
    return (x > 0) - (x < 0)


SIMULATIONS = {
    "noop": _elementwise(lambda x, c: x),
    "zero_outside": _elementwise(lambda x, c: x if abs(x) <= c else 0.0),
    "upper": _elementwise(lambda x, c: min(x, c)),
    "lower": _elementwise(lambda x, c: max(x, -c)),
    "swapped": _elementwise(lambda x, c: -c),
    "zero_to_c": _elementwise(lambda x, c: _clamp(x, 0.0, c)),
    "abs": _elementwise(lambda x, c: min(abs(x), c)),
    "sign_c": _elementwise(lambda x, c: _sign(x) * c),
    "zero_inside": _elementwise(lambda x, c: _sign(x) * c if abs(x) > c else 0.0),
    "int_bound": _elementwise(lambda x, c: _clamp(x, -int(c), int(c))),
    "round_bound": _elementwise(lambda x, c: _clamp(x, -round(c), round(c))),
    "fixed_one": _elementwise(lambda x, c: _clamp(x, -1.0, 1.0)),
}


def _produces(case, simulated, rtol=1e-5):
    """Whether the case's gradients after the call are what `simulated` gives."""
    return all((s is None) == (a is None) and (s is None or _same(a.values, s, rtol))
               for s, a in zip(simulated, case.after))


def _fits(name):
    """The mistake `name` reproduces every case, and changes the result of at least one."""
    def fits(evidence):
        cases = evidence["cases"]
        return all(_produces(case, SIMULATIONS[name](case)) for case in cases) and \
            any(not _grads_right(case) for case in cases)
    return fits


def _scaled(case):
    """Each gradient is its own values times one factor at most 1 (norm clipping, or rescaling so
    the largest element is clip_value), for every parameter."""
    for before, after in zip(case.before, case.after):
        if before is None:
            if after is not None:
                return False
            continue
        if after is None or len(after.values) != len(before.values):
            return False
        pivot = max(range(len(before.values)), key=lambda i: abs(before.values[i]), default=None)
        if pivot is None or before.values[pivot] == 0:
            continue
        scale = after.values[pivot] / before.values[pivot]
        rtol = ROUNDING.get(before.dtype, 1e-4)
        if not 0 <= scale <= 1 + rtol or not _same(after.values, [scale * x for x in before.values], rtol):
            return False
    return True


def _only_first(case):
    """The first parameter clipped right, every later one left as it was (a return in the loop)."""
    present = [(e, b, a) for e, b, a in zip(case.expected, case.before, case.after) if b is not None]
    if not present:
        return True
    (e0, _, a0), rest = present[0], present[1:]
    return a0 is not None and _same(a0.values, e0.values) and \
        all(a is not None and _same(a.values, b.values) for _, b, a in rest)


def _other_bound(case):
    """Clamped symmetrically at some bound: the largest magnitude left; None if not a clamp."""
    values = [x for a in case.after if a is not None for x in a.values]
    before = [x for b in case.before if b is not None for x in b.values]
    if not values:
        return None
    bound = max(abs(x) for x in values)
    if not all(close(y, _clamp(x, -bound, bound), 1e-5, 1e-9) for x, y in zip(before, values)):
        return None
    return bound


def _fits_other_bound(evidence):
    cases = evidence["cases"]
    bounds = [_other_bound(case) for case in cases]
    if any(b is None for b in bounds) or all(_grads_right(case) for case in cases):
        return False
    return not _fits("int_bound")(evidence) and not _fits("round_bound")(evidence) and \
        not _fits("fixed_one")(evidence) and \
        not _fits("noop")(evidence) and \
        any(not close(b, case.clip_value, 1e-5) for b, case in zip(bounds, cases)
            if any(abs(x) > case.clip_value for g in case.before if g is not None for x in g.values))


def _hooked(evidence):
    """Nothing changed now, and the next backward pass came out clipped: the clip was deferred."""
    return evidence.get("next backward clipped") is True


VALUE_CATALOGUE = (
    Misconception("p.grad still holds its old values after the call: the clipped values must end up in "
                  "p.grad itself during the call (clamp it in place, or assign the clamped tensor to p.grad)",
                  lambda e: _fits("noop")(e) and not _hooked(e)),
    Misconception("the clip was deferred to a hook, which acts on the NEXT backward pass; clip the "
                  "gradients that are in p.grad now", lambda e: _fits("noop")(e) and _hooked(e)),
    Misconception("elements outside the range were set to 0; they become the nearest bound, -clip_value or "
                  "clip_value", _fits("zero_outside")),
    Misconception("only the upper bound was applied (elements below -clip_value were not clipped)", _fits("upper")),
    Misconception("only the lower bound was applied (elements above clip_value were not clipped)", _fits("lower")),
    Misconception("min and max swapped (clamp with min=clip_value, max=-clip_value sets every element to "
                  "-clip_value); the lower bound is -clip_value, the upper clip_value", _fits("swapped")),
    Misconception("the range was [0, clip_value]; the lower bound is -clip_value", _fits("zero_to_c")),
    Misconception("the sign was lost (abs); clamp each element into [-clip_value, clip_value], keeping its sign",
                  _fits("abs")),
    Misconception("every element became sign(g) * clip_value; elements already inside the range must stay as "
                  "they are", _fits("sign_c")),
    Misconception("elements inside the range were set to 0; they must stay as they are", _fits("zero_inside")),
    Misconception("the bound was rounded to an integer (int(clip_value) or round(clip_value)); use clip_value "
                  "exactly as given", lambda e: _fits("int_bound")(e) or _fits("round_bound")(e)),
    Misconception("the bound is fixed at 1, as in clamp_(-1, 1); use clip_value", _fits("fixed_one")),
    Misconception("the gradients were clamped at another bound than clip_value; use clip_value exactly as given",
                  _fits_other_bound),
    Misconception("the gradients were rescaled (as norm clipping does); value clipping clamps each element on "
                  "its own and leaves the elements inside the range unchanged",
                  lambda e: all(_scaled(c) for c in e["cases"]) and not _fits("noop")(e)),
    Misconception("only the first parameter was clipped (a return or break inside the loop over parameters)",
                  lambda e: all(_only_first(c) for c in e["cases"]) and
                  any(not _grads_right(c) for c in e["cases"])),
)


def _value_failure(cases, evidence, smallest=True):
    """The failure for wrong gradients: the smallest (else the first) failing case, and a cause
    when one fits."""
    failing = [case for case in cases if not _grads_right(case)]
    wrong = min(failing, key=lambda case: case.size) if smallest else failing[0]
    cause = diagnose(VALUE_CATALOGUE, evidence)
    return failure(f"{wrong.what}: {_difference(wrong)}", cause)


def _difference(case):
    """'expected p.grad E, got G' for a small case, else the first wrong element."""
    for name, before, expected, after in zip(case.names, case.before, case.expected, case.after):
        if expected is None and after is None:
            continue
        if expected is None or after is None:
            shown = lambda g: "None" if g is None else "a tensor"
            return f"expected {name}.grad {shown(expected)}, got {shown(after)}"
        if _same(after.values, expected.values):
            continue
        if case.size <= SHOWN:
            return f"expected {name}.grad {_show(expected.values, expected.shape)}, got " \
                   f"{_show(after.values, after.shape)}"
        i = next(i for i, (x, y) in enumerate(zip(expected.values, after.values)) if not close(y, x))
        return (f"expected {name}.grad element {i} (from {fmt(before.values[i])}) to be "
                f"{fmt(expected.values[i])}, got {fmt(after.values[i])}")
    return "expected the clamped gradients, got others"


# ----------------------------------------------------------------------------------------------
# Errors, weights, shapes and dtypes: the same idea (a cause only when one explanation fits)

def _raised_exactly_where(cases, predicate):
    return any(c.error for c in cases) and all(bool(c.error) == predicate(c) for c in cases)


def _has_0d(case):
    return any(g is not None and g.shape == () for g in case.before)


def _has_bf16(case):
    return any(g is not None and g.dtype == "bfloat16" for g in case.before)


ERROR_CATALOGUE = (
    Misconception("it fails only on 0-dim gradients (scalar parameters): indexing such as p.grad[:], len(), "
                  "iterating, or NumPy (which turns a 0-dim array into a scalar) need care there; clamp the "
                  "whole tensor with torch",
                  lambda e: _raised_exactly_where(e["cases"], _has_0d)),
    Misconception("it fails on bfloat16 gradients (NumPy has no bfloat16, so .numpy() raises); clamp with "
                  "torch operations, which work for every dtype",
                  lambda e: _raised_exactly_where(e["cases"], _has_bf16)),
    Misconception("a parameter whose .grad is None made it raise; skip those parameters",
                  lambda e: _raised_exactly_where(e["cases"], lambda c: any(g is None for g in c.before))),
)


def _check_errors(cases):
    if not any(case.error for case in cases):
        return
    case = min((case for case in cases if case.error), key=lambda case: case.size)
    cause = diagnose(ERROR_CATALOGUE, {"cases": cases})
    raise failure(f"{case.what}: expected no error, got {case.error}", cause)


def _check_weights(cases):
    changed = [c for c in cases if not all(_same(a.values, w.values) for a, w in zip(c.weights_after, c.weights))]
    if not changed:
        return
    case = changed[0]
    clamped = all(_same(a.values, [_clamp(x, -c.clip_value, c.clip_value) for x in w.values])
                  for c in cases for a, w, g in zip(c.weights_after, c.weights, c.before) if g is not None)
    name, got, was = next((n, a, w) for n, a, w in zip(case.names, case.weights_after, case.weights)
                          if not _same(a.values, w.values))
    if len(was.values) == 1:
        shown = f"{name} to stay {fmt(was.values[0])}, got {_show(got.values, got.shape)}"
    else:
        i = next(i for i, (x, y) in enumerate(zip(got.values, was.values)) if not _same((x,), (y,)))
        shown = f"{name} element {i} to stay {fmt(was.values[i])}, got {fmt(got.values[i])}"
    raise failure(f"{case.what}: expected the weights untouched, {shown}",
                   "the weights (p or p.data) were clamped; clip p.grad only" if clamped else None)


def _check_structure(cases):
    """Every gradient keeps its shape and dtype; missing gradients stay missing, present ones stay."""
    for case in cases:
        for name, before, after in zip(case.names, case.before, case.after):
            if before is None and after is not None:
                raise failure(f"{case.what}: expected {name}.grad to stay None, got a tensor",
                               "a gradient was created for a parameter that had none; skip p.grad is None")
            if before is not None and after is None:
                raise failure(f"{case.what}: expected {name}.grad to be the clipped gradient, got None")
    for case in cases:
        for name, before, after in zip(case.names, case.before, case.after):
            if before is None:
                continue
            if after.shape != before.shape:
                flattened = all(a is None or len(a.shape) == 1 for c in cases for a in c.after)
                raise failure(f"{case.what}: expected {name}.grad of shape {list(before.shape)}, got "
                               f"{list(after.shape)}",
                               "p.grad was flattened; keep its shape (clamp the tensor itself)" if flattened else None)
            if after.dtype != before.dtype:
                raise failure(f"{case.what}: expected {name}.grad of dtype {before.dtype}, got {after.dtype}",
                               "the gradient was converted; write the result back in p.grad's own dtype")


# ----------------------------------------------------------------------------------------------
# The count it returns

def _in_dtype(clip_value, dtype):
    """clip_value as a tensor of `dtype` holds it (0.35 in float32 is 0.3499999940...)."""
    return torch.tensor(clip_value, dtype=getattr(torch, dtype)).item()


def _count(case, rule):
    """How many elements satisfy rule(x, bound), the bound rounded to each gradient's dtype as a
    comparison in that dtype rounds it."""
    return sum(1 for g in case.before if g is not None
               for bound in [_in_dtype(case.clip_value, g.dtype)] for x in g.values if rule(x, bound))


def _returns(predicate):
    def fits(evidence):
        return all(predicate(case, _returned_number(case.returned)) for case in evidence["cases"])
    return fits


def _norm(case):
    return math.sqrt(sum(x * x for g in case.before if g is not None for x in g.values))


COUNT_CATALOGUE = (
    Misconception("it returns nothing; return the number of gradient elements it clipped",
                  lambda e: all(c.returned is None for c in e["cases"])),
    Misconception("the count is right but not a python int; convert it with int(...) or .item()",
                  _returns(lambda c, n: n == c.expected_count and not c.is_int)),
    Misconception("elements equal to -clip_value or clip_value were counted; count only those whose magnitude "
                  "exceeds clip_value", _returns(lambda c, n: n == _count(c, lambda x, b: abs(x) >= b))),
    Misconception("it counts every element; count only those outside [-clip_value, clip_value]",
                  _returns(lambda c, n: n == c.size)),
    Misconception("it counts the elements left unchanged; count the clipped ones",
                  _returns(lambda c, n: n == c.size - c.expected_count)),
    Misconception("only elements above clip_value were counted; those below -clip_value are clipped too",
                  _returns(lambda c, n: n == _count(c, lambda x, b: x > b))),
    Misconception("it returns 0 whatever was clipped; count the elements before clamping them (afterwards none "
                  "exceeds the bound)",
                  _returns(lambda c, n: n == 0)),
    Misconception("it counts clipped parameters (tensors), not elements",
                  _returns(lambda c, n: n == sum(1 for g in c.before if g is not None
                                                 and any(abs(x) > c.clip_value for x in g.values)))),
    Misconception("the count restarts for every parameter; add up the clipped elements of all parameters",
                  _returns(lambda c, n: n == sum(1 for x in c.before[-1].values if abs(x) > c.clip_value))),
    Misconception("it returns the gradients' L2 norm (as clip_grad_norm_ does); return the number of clipped "
                  "elements", _returns(lambda c, n: n is not None and close(n, _norm(c), 1e-4))),
)


def _check_counts(cases):
    for case in cases:
        number = _returned_number(case.returned)
        if case.is_int and number == case.expected_count:
            continue
        cause = diagnose(COUNT_CATALOGUE, {"cases": cases})
        got = fmt(number) if number is not None else _kind(case.returned)
        if number is not None and not case.is_int:
            got = f"{got} (a {_kind(case.returned)})"
        raise failure(f"{case.what}: expected it to return {case.expected_count} (a python int), got {got}", cause)


# ----------------------------------------------------------------------------------------------
# The checks

def _element_cases(record):
    cases = []
    for i, (values, clip_value, dtype) in enumerate(probe.ELEMENT_CASES):
        p = probe.parameter(values, dtype, CPU)
        grad = _grad_of(p.grad)
        what = (f"clip_grad_value([p], {clip_value!r}) with p.grad = {_show(grad.values, grad.shape)} "
                f"({grad.dtype})")
        cases.append(Case(what, [grad], clip_value, [_grad_of(p)], ["p"]).read(record, f"elements {i}"))
    for i, (container, grads, clip_value) in enumerate(probe.GROUP_CASES):
        params = [probe.parameter(values, torch.float32, CPU) for values in grads]
        shown = ", ".join(_show(_grad_of(p.grad).values, tuple(p.shape)) for p in params)
        names = [f"p{j}" for j in range(len(params))]
        what = (f"clip_grad_value({container.__name__}(({', '.join(names)})), {clip_value!r}) with the "
                f"gradients {shown}")
        cases.append(Case(what, [_grad_of(p.grad) for p in params], clip_value, [_grad_of(p) for p in params],
                          names).read(record, f"group {i}"))
    return cases


def _next_backward_clipped(record, case):
    """Whether the gradient of the backward pass after the call came out clamped (a hook)."""
    if record.failed("elements 0 next backward") is not None:
        return False
    got = _tensors_or_one(record, "elements 0 next backward", case.what)
    expected = case.expected[0]
    return got is not None and expected is not None and _same(got.values, expected.values) and \
        not _same(expected.values, case.before[0].values)


def _tensors_or_one(record, key, what):
    return _tensor_item(record.result(key, what), what)


def clip_value_elements(record):
    """fn(parameters, clip_value) clamps every gradient element into [-clip_value, clip_value], in
    place, in every dtype and shape, and returns how many elements it clipped (a python int)."""
    cases = _element_cases(record)
    hooked = _next_backward_clipped(record, cases[0])
    _check_errors(cases)
    _check_weights(cases)
    _check_structure(cases)
    if not all(_grads_right(case) for case in cases):
        raise _value_failure(cases, {"cases": cases, "next backward clipped": hooked})
    _check_counts(cases)


# ----------------------------------------------------------------------------------------------
# On SmallNet

NAMES = [name for name, _ in probe.small_net(0).named_parameters()]


@functools.lru_cache(maxsize=None)
def _model_before(seed, missing=False):
    model = probe.model_with_gradients(seed, missing)
    return ([None if p.grad is None else _grad_of(p.grad) for p in model.parameters()],
            [_grad_of(p) for p in model.parameters()])


@functools.lru_cache(maxsize=1)
def _reference_run():
    """The final weights of the clipped run with torch.nn.utils.clip_grad_value_, on the CPU."""
    with one_thread():
        weights = probe.train_with_clipping(
            lambda params, t: torch.nn.utils.clip_grad_value_(params, probe.RUN_CLIP_VALUE), CPU)
    return weights.tolist()


def _model_case(record, key, what, seed, missing=False):
    grads, weights = _model_before(seed, missing)
    names = [f"model.{name}" for name in NAMES]
    return Case(what, grads, probe.CLIP_VALUE, weights, names).read(record, key, returns=False)


def clip_value_model(record):
    """On SmallNet: model.parameters() (a generator) handled, None gradients skipped and left None,
    weights untouched, the gradients in .grad clipped now (not by hooks on a later backward); a
    training run clipped by fn ends where the same run clipped by torch.nn.utils.clip_grad_value_ ends."""
    c = probe.CLIP_VALUE
    generator = _model_case(record, "generator", f"clip_grad_value(model.parameters(), {c}) on SmallNet",
                            probe.GENERATOR_SEED)
    listed = _model_case(record, "list", f"clip_grad_value(list(model.parameters()), {c}) on SmallNet",
                         probe.GENERATOR_SEED)
    missing = _model_case(record, "missing", f"clip_grad_value(model.parameters(), {c}) on SmallNet with "
                          f"model.layers.0.bias frozen and model.layers.2.weight.grad None", probe.MISSING_SEED, True)
    cases = [generator, listed, missing]
    hooked = _model_next_backward_clipped(record, generator)
    _check_generator(generator, listed)
    _check_errors(cases)
    _check_weights(cases)
    _check_structure(cases)
    if not all(_grads_right(case) for case in cases):
        raise _value_failure(cases, {"cases": cases, "next backward clipped": hooked}, smallest=False)
    _check_clipping_run(record)


def _check_generator(generator, listed):
    """Works on a list but not on the generator model.parameters(): it was iterated more than once
    (or needs len() or indexing)."""
    list_ok = not listed.error and _grads_right(listed)
    generator_ok = not generator.error and _grads_right(generator)
    if list_ok and not generator_ok:
        got = f"expected no error, got {generator.error}" if generator.error else _difference(generator)
        raise failure(f"{generator.what}: {got} (from a list of the same parameters the gradients came out "
                       f"right)", "model.parameters() is a generator: it can be iterated only once and has no "
                       "len(); make a list of it once (params = list(parameters)) and use that")


def _model_next_backward_clipped(record, case):
    if record.failed("generator next backward") is not None:
        return False
    got = _tensors(record, "generator next backward", case.what, len(case.before))
    return all(g is not None and e is not None and _same(g.values, e.values) for g, e in zip(got, case.expected))


def _check_clipping_run(record):
    """The real run: clipping by fn and by torch.nn.utils.clip_grad_value_ train alike."""
    run = (f"a {probe.CLIP_RUN_STEPS}-step SGD run of SmallNet clipped at {probe.RUN_CLIP_VALUE} "
           f"(clip_grad_value(model.parameters(), {probe.RUN_CLIP_VALUE}) between backward and step)")
    broken = record.failed("run weights") is not None      # the run itself stopped (not the answer)
    for t in range(probe.CLIP_RUN_STEPS):
        key = f"run update {t}"
        if broken and not record.has(key):
            break
        if record.failed(key) is not None:
            raise failure(f"{run}, update {t}: expected no error, got {record.failed(key)[:240]}")
    if broken:
        raise failure(f"{run}: expected it to finish, got {record.failed('run weights')[:240]}")
    student = _tensor_item(record.result("run weights", run), run)
    if student is None:
        raise CheckFailed(MALFORMED.format(what=run))
    reference = _reference_run()
    difference = max_difference(list(student.values), reference)
    allowed = RUN_RTOL * (1 + max(abs(x) for x in reference))
    if not difference <= allowed:
        raise failure(f"after {run}: expected the weights of the same run clipped by "
                       f"torch.nn.utils.clip_grad_value_, got weights up to {difference:.3g} away "
                       f"(at most {allowed:.3g} allowed)")
