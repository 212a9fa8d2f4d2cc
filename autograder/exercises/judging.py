"""The judge's side of a hidden check: read a probe's record, compare it with values computed here.

Judges run in the grader, in a process that never ran student code. A record is untrusted data
(the student's code ran in the kernel that made it): it is read as JSON, never executed, and any
surprise in it fails the check with a message instead of crashing the grader.
"""
import importlib
import math
from typing import Callable, NamedTuple

import torch

from autograder.exercises import exercise_of
from autograder.exercises.probing import flat, unpack



class CheckFailed(AssertionError):
    """A hidden test failed; the message is the feedback the student sees."""


NOT_ANSWERED = "the exercise is not answered yet."
SEE_TRACEBACK = "an error in the answer cell; run the visible tests above to see the full traceback"
MISSING = ("the hidden tests stopped before they finished ({key} has no result). Likely cause: the "
           "answer cell stops or replaces the tests; run the visible tests above.")

# Rounding allowance. A correct answer computed in float32 or on a GPU differs from the float64
# closed form by ~1e-7 relative per operation; every mistake the checks know of misses by far more.
RTOL, ATOL = 1e-5, 1e-12


def decode(x):
    """A JSON number from a record as a python float ("nan", "inf", "-inf" included)."""
    if isinstance(x, str) and x in ("nan", "inf", "-inf"):
        return float(x)
    try:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise TypeError
        return float(x)
    except (TypeError, OverflowError):
        raise CheckFailed("the hidden tests' record holds a value that is not a number. Likely "
                          "cause: the answer cell interferes with the tests.") from None


def fmt(x):
    return f"{x:.6g}"


def fmt_pair(expected, got):
    """Both numbers with just enough digits to tell them apart (up to 17)."""
    for digits in range(6, 18):
        a, b = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if a != b or expected == got:
            return a, b
    return repr(expected), repr(got)


def close(got, expected, rtol=RTOL, atol=ATOL):
    """|got - expected| <= atol + rtol * |expected|; False for NaN."""
    return abs(got - expected) <= atol + rtol * abs(expected)


class Record:
    """One probe's outcomes, read defensively. Every accessor fails the check on bad data."""

    def __init__(self, data, check):
        if not isinstance(data, dict) or data.get("check") != check or \
                not isinstance(data.get("outcomes"), dict):
            raise CheckFailed(f"the hidden test {check} produced no usable result. Likely cause: "
                              f"the answer cell interferes with the tests.")
        self.check = check
        self.outcomes = data["outcomes"]

    def has(self, key):
        return key in self.outcomes

    def outcome(self, key):
        outcome = self.outcomes.get(key)
        if not isinstance(outcome, dict) or not ("value" in outcome or "error" in outcome):
            raise CheckFailed(MISSING.format(key=repr(key)))
        return outcome

    def failed(self, key):
        """The error text when the call under `key` raised, else None."""
        outcome = self.outcome(key)
        return str(outcome["error"]) if "error" in outcome else None

    def error_type(self, key):
        return str(self.outcome(key).get("type", ""))

    def result(self, key, what, hint=SEE_TRACEBACK):
        """The PLAIN value the call under `key` returned; its error as a CheckFailed."""
        outcome = self.outcome(key)
        if "error" in outcome:
            if outcome.get("type") == "NotImplementedError":
                raise CheckFailed(f"{what} raised NotImplementedError — {NOT_ANSWERED}")
            raise CheckFailed(f"{what} raised {str(outcome['error'])[:240]}. Likely cause: {hint}.")
        return outcome["value"]

    def number(self, key, what, hint=SEE_TRACEBACK):
        """The call's result as one python float (see as_number)."""
        return as_number(self.result(key, what, hint), what)

    def tensor(self, key, what, hint=SEE_TRACEBACK):
        """The call's result as a list of floats, when it was a tensor; None when it was None."""
        return as_floats(self.result(key, what, hint), what)


def kind_of(value):
    """What a recorded value was, in a word, for 'returned a ...'."""
    if not isinstance(value, dict):
        return "value"
    for key, kind in (("float", "float"), ("bool", "bool"), ("str", "str"), ("tensor", "Tensor")):
        if key in value:
            return kind
    if isinstance(value.get("seq"), list):
        return f"sequence of {len(value['seq'])} items"
    return str(value.get("type", "value"))[:40]


def as_number(value, what):
    """A recorded value as one python float, rejecting None, text, NaN and non-numbers."""
    if value is None:
        raise CheckFailed(f"{what} returned None. Likely cause: a missing return.")
    if not isinstance(value, dict):
        raise CheckFailed(f"{what} returned something unreadable. Likely cause: return one float.")
    if "str" in value:
        raise CheckFailed(f"{what} returned a string. Likely cause: return the number itself, not text.")
    if "float" in value:
        number = decode(value["float"])
    elif "bool" in value:
        number = float(bool(value["bool"]))
    elif "tensor" in value and isinstance(value["tensor"], list) and len(value["tensor"]) == 1:
        number = decode(value["tensor"][0])
    else:
        kind = value.get("type") or ("tensor" if "tensor" in value else
                                     "sequence" if "seq" in value else "value")
        raise CheckFailed(f"{what} returned a {str(kind)[:40]}, which is not a single number. "
                          f"Likely cause: return one float.")
    if number != number:
        raise CheckFailed(f"{what} returned NaN. Likely cause: an invalid operation such as 0 / 0 or a "
                          f"negative number to a fractional power.")
    return number


def as_floats(value, what):
    """A recorded tensor (or sequence of numbers) as a list of python floats; None stays None."""
    if value is None:
        return None
    if isinstance(value, dict) and isinstance(value.get("tensor"), list):
        return [decode(x) for x in value["tensor"]]
    if isinstance(value, dict) and isinstance(value.get("seq"), list):
        return [as_number(item, what) for item in value["seq"]]
    raise CheckFailed(f"{what}: expected a tensor of numbers, got something else. Likely cause: "
                      f"the answer cell interferes with the tests.")


def max_difference(a, b):
    """The largest |a_i - b_i| (inf for NaN or a length mismatch)."""
    if len(a) != len(b):
        return math.inf
    worst = 0.0
    for x, y in zip(a, b):
        d = abs(x - y)
        if not d <= worst:
            worst = d if d == d else math.inf
    return worst


def require_same_weights(student, reference, expected, cause, rtol=1e-5):
    """Fail unless two training runs ended with the same weights, up to float rounding."""
    difference = max_difference(student, reference)
    allowed = rtol * (1 + max((abs(x) for x in reference), default=0.0))
    if not difference <= allowed:
        raise CheckFailed(f"{expected}, got weights up to {difference:.3g} away (at most "
                          f"{allowed:.3g} allowed). Likely cause: {cause}.")


def unpacked(data, depth=0):
    """`data` (a record as untrusted JSON) with each packed tensor (probing.pack) read back into
    the form the judges take, {"tensor": [x, ...], "shape": ..., "dtype": ...}; one that cannot
    be read loses its values (the judge then fails it as malformed)."""
    if depth > 8:
        return data
    if isinstance(data, list):
        return [unpacked(item, depth + 1) for item in data]
    if not isinstance(data, dict):
        return data
    if "packed" in data:
        numbers = unpack(data["packed"])
        rest = {k: unpacked(v, depth + 1) for k, v in data.items() if k not in ("packed", "tensor")}
        return rest if numbers is None else {**rest, "tensor": numbers}
    return {k: unpacked(v, depth + 1) for k, v in data.items()}


def judge(check, data):
    """Raise CheckFailed unless `data` (a record as untrusted JSON) passes `check`."""
    exercise = exercise_of(check)
    if exercise is None:
        raise CheckFailed(f"there is no hidden test called {check!r}.")
    module = importlib.import_module(f"autograder.exercises.{exercise}.judge")
    getattr(module, check)(Record(unpacked(data), check))


# ----------------------------------------------------------------------------------------------
# Diagnosis: a likely cause only where the evidence singles one out

class Misconception(NamedTuple):
    """A known mistake. `cause` is the sentence the feedback gives; `fits(evidence)` is True when
    the student's values (the judge's own dict of discriminating cases) are what it produces."""
    cause: str
    fits: Callable[[dict], bool]


def diagnose(catalogue, evidence):
    """The cause of the one misconception that fits `evidence`; None when none fits or several
    distinct causes do: a wrong "likely cause" costs a student more than none."""
    causes = set()
    for misconception in catalogue:
        try:
            if misconception.fits(evidence):
                causes.add(misconception.cause)
        except (ArithmeticError, TypeError, ValueError, KeyError, IndexError):
            continue
    return causes.pop() if len(causes) == 1 else None


def fmt_pairs(expected, got):
    """fmt_pair for two numbers, or entry by entry for two lists of numbers (as "[a, b]")."""
    if not isinstance(expected, (list, tuple)):
        return fmt_pair(expected, got)
    pairs = [fmt_pair(e, g) for e, g in zip(expected, got)]
    extra_e = [fmt(e) for e in expected[len(got):]]
    extra_g = [fmt(g) for g in got[len(expected):]]
    return ("[" + ", ".join([e for e, _ in pairs] + extra_e) + "]",
            "[" + ", ".join([g for _, g in pairs] + extra_g) + "]")


def failure(text, cause=None):
    """The CheckFailed for `text` (the failing case), ending with the likely cause when there is one."""
    return CheckFailed(f"{text}. Likely cause: {cause}." if cause else f"{text}.")


def wrong_value(what, expected, got, cause=None):
    """The failure for a wrong value (a number, or a list of them): the concrete failing case
    (`what` names its inputs), and a likely cause only when diagnose() found one."""
    shown_expected, shown_got = fmt_pairs(expected, got)
    return failure(f"{what}: expected {shown_expected}, got {shown_got}", cause)


# ----------------------------------------------------------------------------------------------
# What the judges of train_step exercises share (gpt_step, amp_step)

def global_norm(grads):
    """The L2 norm of all gradients together, as clip_grad_norm_ computes it (a 0-d tensor)."""
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g, 2) for g in grads]), 2)


def require_close(what, label, got, expected, rtol, cause):
    """Fail unless `got` is close to `expected`: "<what>: expected <label> E, got G. Likely cause:
    <cause()>." (`cause` is called only on a failure; when it gives None, the case alone)."""
    if not close(got, expected, rtol):
        shown_expected, shown_got = fmt_pair(expected, got)
        raise failure(f"{what}: expected {label} {shown_expected}, got {shown_got}", cause())


def clip_in_place(grads, max_norm, how, norm):
    """Clip `grads` in place as clip_grad_norm_ does ("norm", given their global `norm`), as
    clip_grad_value_ does ("value"), or each parameter's norm on its own ("param"); any other
    `how` clips nothing. Spelled out so the judges can build the usual mistakes."""
    if how == "norm":
        scale = (max_norm / (norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(scale)
    elif how == "value":
        for g in grads:
            g.clamp_(-max_norm, max_norm)
    elif how == "param":
        for g in grads:
            g.mul_((max_norm / (torch.linalg.vector_norm(g, 2) + 1e-6)).clamp(max=1.0))


def floats(tensors):
    """Every element of `tensors`, flattened in order, as a tuple of python floats."""
    return tuple(flat(list(tensors)).tolist())


def near(got, value):
    """Close enough for a run of several float32 updates."""
    return close(got, value, 1e-4, 1e-9)


def recorded_weights(record, key, what, optional=False):
    """Weights (or gradients) recorded under `key`, as floats; None only if `optional` and recorded so."""
    values = as_floats(record.result(key, what), what)
    if values is None and not optional:
        raise CheckFailed(f"{what}: expected a tensor of numbers, got None. Likely cause: the answer cell "
                          f"interferes with the tests.")
    return values


def recorded_lrs(record, key, what, unreadable, none_cause="the answer cell interferes with the tests."):
    """The lr of every param group recorded under `key`, as floats. `unreadable` is the likely
    cause when they are not a list, `none_cause` when one of them is None."""
    value = record.result(key, what)
    if not isinstance(value, dict) or not isinstance(value.get("seq"), list):
        raise CheckFailed(f"{what}: {unreadable}")
    lrs = []
    for item in value["seq"]:
        if item is None:
            raise CheckFailed(f"{what} left a param group's lr as None. Likely cause: {none_cause}")
        lrs.append(as_number(item, f"the param group lr after {what}"))
    return lrs


def loss_and_norm(record, key, what, error_hint, how_to_return, finite=True):
    """train_step's (loss, grad_norm) under `key` as two floats. `error_hint` is the likely cause
    when the call raised; with `finite` False the norm may be NaN (an update a scaler skips)."""
    returned = record.result(key, what, error_hint)
    if returned is None:
        raise CheckFailed(f"{what} returned None. Likely cause: a missing return; train_step returns "
                          f"(loss, grad_norm).")
    items = returned.get("seq") if isinstance(returned, dict) else None
    if not isinstance(items, list) or len(items) != 2:
        raise CheckFailed(f"{what} returned a {kind_of(returned)}, expected the pair (loss, grad_norm). "
                          f"Likely cause: {how_to_return}")
    if items[1] is None:
        raise CheckFailed(f"{what} returned None as grad_norm. Likely cause: return the total norm that "
                          f"torch.nn.utils.clip_grad_norm_ returns (clip_grad_value_ returns None).")
    loss, norm = as_number(items[0], f"{what} (the loss)"), items[1]
    if not finite and isinstance(norm, dict) and (norm.get("float") == "nan" or norm.get("tensor") == ["nan"]):
        return loss, math.nan
    return loss, as_number(norm, f"{what} (the gradient norm)")
