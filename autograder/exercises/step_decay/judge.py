"""Exercise 1, step decay: judge the records of autograder/exercises/step_decay/probe.py.

The expected learning rates come from the closed form, the known mistakes from their own formulas,
and the training run's reference from torch.optim.lr_scheduler.StepLR, all computed here on the
CPU; the record only says what the student's code returned.
"""
import functools
import math

import torch

from autograder.exercises.judging import (ATOL, RTOL, CheckFailed, as_number, close, fmt, fmt_pair,
                                         recorded_lrs, require_same_weights)
from autograder.exercises.step_decay import probe as probe
from autograder.exercises.probing import flat, one_thread
from autograder.exercises.step_decay.probe import (DEFAULTS_LR, DEFAULTS_STEPS, GROUP_LRS, LR_CASES, OPTIMIZER_LR,
                                          RUN_GAMMA, RUN_LR, RUN_STEP_SIZE, RUN_STEPS, STEP_CASE, STEP_ORDER)

# An lr computed in float32 (or on a GPU) is within a few float32 roundings (~1e-7) of the closed
# form; every known mistake is off by at least a factor gamma somewhere.
LR_RTOL, LR_ATOL = RTOL, ATOL
# The run's weights: the student's run may be on a GPU, the reference is on the CPU; 300 updates
# of rounding differences stay far below this, while one extra optimizer.step() per update moves
# the weights by more than 1e-2 (see tests/test_checks_step_decay.py).
WEIGHTS_RTOL = 1e-4
FORMULA = "lr_initial * gamma ** (step // step_size)"
INIT_HINT = ("an error in __init__, or a signature other than "
             "__init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000)")
STATEFUL = ("get_lr depends on earlier calls (a counter, a running self.lr, or self.lr_initial "
            "changed inside get_lr); compute the lr from step alone")


def step_decay(lr_initial, gamma, step_size, step):
    return lr_initial * gamma ** (step // step_size)


def step_decay_table(lr_initial, gamma, step_size):
    """The (step, expected lr) pairs get_lr is graded on, in the order it is called."""
    return [(t, step_decay(lr_initial, gamma, step_size, t)) for t in probe.table_steps(step_size)]


def _settings(case):
    lr, gamma, s = case
    return f"lr_initial={lr:g}, gamma={gamma:g}, step_size={s}"


def _number_or_none(record, key):
    """What the call under `key` returned, as a float; None when it raised, returned a non-number
    or NaN, or is not in the record (such values only weaken a hint)."""
    try:
        if record.failed(key):
            return None
        return as_number(record.result(key, key), key)
    except CheckFailed:
        return None


def _mismatch(what, expected, got, hint):
    shown_expected, shown_got = fmt_pair(expected, got)
    return CheckFailed(f"{what}: expected {shown_expected}, got {shown_got}. Likely cause: {hint}.")


# ----------------------------------------------------------------------------------------------
# get_lr

def _lr_mistakes(lr, gamma, s):
    """(likely cause, wrong formula) for what students hand in, given one case's settings."""
    subtraction = "decays by subtraction; step decay multiplies: " + FORMULA
    late = "decays one step late — the first decay happens at step == step_size"
    product = "multiplying by gamma * (step // step_size) instead of raising gamma to that power"
    mistakes = [
        ("decays one step early — use floor division step // step_size, not (step + 1) // step_size",
         lambda t: lr * gamma ** ((t + 1) // s)),
        (late, lambda t: lr * gamma ** ((t - 1) // s)),
        (late, lambda t: lr * gamma ** (max(t - 1, 0) // s)),
        (late, lambda t: lr * gamma ** (t // (s + 1))),
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
        (product, lambda t: lr * gamma * (t // s)),
        (product, lambda t: lr * gamma * (t // s) if t >= s else lr),
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


def _depends_on_earlier_calls(record, i, step, expected):
    """Whether get_lr keeps state: right on a new scheduler, or different for a repeated step."""
    fresh = _number_or_none(record, f"case {i}: fresh get_lr({step})")
    if fresh is not None and close(fresh, expected, LR_RTOL, LR_ATOL):
        return True
    seen = {}
    for j, t in enumerate(probe.repeat_steps(LR_CASES[i][2])):
        value = _number_or_none(record, f"case {i}: repeat #{j}")
        if value is None:
            return False
        if t in seen and not close(value, seen[t], LR_RTOL, LR_ATOL):
            return True
        seen.setdefault(t, value)
    return False


def _explain_lr(record, i, step, expected):
    """The likely cause of a wrong get_lr(step) in case i, from the new schedulers' answers."""
    if _depends_on_earlier_calls(record, i, step, expected):
        return STATEFUL
    lr, gamma, s = LR_CASES[i]
    steps = probe.hint_steps(s)
    values = [_number_or_none(record, f"case {i}: fresh get_lr({t})") for t in steps]
    if all(v is not None for v in values):
        for hint, wrong in _lr_mistakes(lr, gamma, s):
            try:
                if all(close(v, wrong(t), LR_RTOL, LR_ATOL) for t, v in zip(steps, values)):
                    return hint
            except (ArithmeticError, TypeError, ValueError):      # e.g. 0 ** -1, complex powers
                continue
    return f"use {FORMULA}, computed from step alone"


def step_decay_lr(record):
    """get_lr follows lr_initial * gamma ** (step // step_size) for any settings and call order."""
    for i, case in enumerate(LR_CASES):
        settings = _settings(case)
        record.result(f"case {i}: new", f"StepDecayScheduler(optimizer, {settings})", INIT_HINT)
        for j, (step, expected) in enumerate(step_decay_table(*case)):
            what = f"get_lr({step}) with {settings}"
            got = record.number(f"case {i}: get_lr #{j}", what)
            if not close(got, expected, LR_RTOL, LR_ATOL):
                raise _mismatch(what, expected, got, _explain_lr(record, i, step, expected))

    record.result("defaults: new", f"StepDecayScheduler(optimizer, lr_initial={DEFAULTS_LR:g})",
                  "__init__ must keep the defaults gamma=0.5, step_size=1000")
    for step in DEFAULTS_STEPS:
        what = f"get_lr({step}) with lr_initial={DEFAULTS_LR:g} and the defaults gamma=0.5, step_size=1000"
        expected = step_decay(DEFAULTS_LR, 0.5, 1000, step)
        got = record.number(f"defaults: get_lr({step})", what)
        if not close(got, expected, LR_RTOL, LR_ATOL):
            raise _mismatch(what, expected, got, "the defaults of __init__ were changed; keep gamma=0.5, "
                                                 "step_size=1000")


# ----------------------------------------------------------------------------------------------
# step

def _group_lrs(record, key, what):
    """The lr of every param group after a call; a missing or non-numeric lr fails."""
    return recorded_lrs(record, key, what, "the param groups could not be read. Likely cause: step must only "
                        "set group['lr'] on the optimizer's param groups.",
                        "get_lr returned None (a missing return).")


def _shown(expected, values):
    """(expected, [values]) as text, each value with the digits that tell it from expected."""
    digits = [fmt_pair(expected, x) for x in values]
    longest = max((e for e, _ in digits), key=len, default=fmt(expected))
    return longest, "[" + ", ".join(g for _, g in digits) + "]"


def _step_failure(record, what, step, expected, got, before):
    """The message for wrong learning rates in the param groups after step(step)."""
    shown_expected, shown = _shown(expected, got)
    wanted = f"expected lr {shown_expected} in all {len(GROUP_LRS)} param groups, got {shown}"
    unchanged = [close(x, y, 1e-12) for x, y in zip(got, before)]
    if got and close(got[0], expected, LR_RTOL, LR_ATOL) and all(unchanged[1:]):
        return (f"step(...) changed only the first param group: {wanted}. "
                f"Likely cause: loop over all optimizer.param_groups.")
    own = _number_or_none(record, f"calls: fresh get_lr({step})")
    lr, gamma, s = STEP_CASE
    neighbours = [step_decay(lr, gamma, s, t) for t in (step - 1, step + 1) if t >= 0]
    if all(unchanged):
        hint = ("the lr was computed but never written into the optimizer; set group['lr'] = lr for "
                "every group in optimizer.param_groups")
    elif any(all(close(x, n, LR_RTOL, LR_ATOL) for x in got) for n in neighbours):
        hint = "step(current_step) must set get_lr(current_step), not the lr of the step before or after"
    elif own is not None and not close(own, expected, LR_RTOL, LR_ATOL) and \
            all(close(x, own, LR_RTOL, LR_ATOL) for x in got):
        hint = f"step uses get_lr, which returns {fmt_pair(expected, own)[1]} here; fix get_lr (see the get_lr tests)"
    else:
        hint = ("step must set get_lr(current_step) itself, not rescale the current lr or count calls; "
                "current_step may come in any order")
    return f"{what}: {wanted}. Likely cause: {hint}."


def _check_step_calls(record):
    """step(t), called out of order, sets get_lr(t) on all three param groups and returns it."""
    lr, gamma, s = STEP_CASE
    settings = _settings(STEP_CASE)
    record.result("calls: new", f"StepDecayScheduler(optimizer, {settings})", INIT_HINT)
    before = _group_lrs(record, "calls: lrs after new", f"the calls before step({STEP_ORDER[0]}) with {settings}")
    for j, step in enumerate(STEP_ORDER):
        what = f"step({step}) with {settings}"
        expected = step_decay(lr, gamma, s, step)
        returned = record.result(f"calls: step #{j}", what)
        got = _group_lrs(record, f"calls: lrs after #{j}", what)
        if len(got) != len(GROUP_LRS) or not all(close(x, expected, LR_RTOL, LR_ATOL) for x in got):
            raise CheckFailed(_step_failure(record, what, step, expected, got, before))
        if returned is None:
            raise CheckFailed(f"{what} returned None. Likely cause: a missing return (step returns the "
                              f"lr it set).")
        value = as_number(returned, what)
        if not close(value, expected, LR_RTOL, LR_ATOL):
            hint = ("returns self.lr_initial instead of the lr it set" if close(value, lr, LR_RTOL, LR_ATOL)
                    else "step should return the lr it set, get_lr(current_step)")
            shown_expected, shown = fmt_pair(expected, value)
            raise CheckFailed(f"{what}: expected the return value {shown_expected}, got {shown}. "
                              f"Likely cause: {hint}.")
        before = got            # nothing runs between one call's "after" and the next call


# ----------------------------------------------------------------------------------------------
# The training run

@functools.lru_cache(maxsize=None)
def reference_run():
    """(lr at each update, final weights) of the run driven by StepLR, on the CPU.

    The student's scheduler sets the lr before update t; StepLR advances after it. Both give
    lr_initial * gamma ** (t // step_size) at update t.
    """
    with one_thread():
        model, x, y, optimizer = probe.run_setup(torch.device("cpu"))
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=RUN_STEP_SIZE, gamma=RUN_GAMMA)
        lrs = []
        for _ in range(RUN_STEPS):
            lrs.append(optimizer.param_groups[0]["lr"])
            probe.update(model, optimizer, x, y)
            scheduler.step()
    if not all(close(got, step_decay(RUN_LR, RUN_GAMMA, RUN_STEP_SIZE, t), LR_RTOL, LR_ATOL)
               for t, got in enumerate(lrs)):
        raise RuntimeError("StepLR disagrees with the closed form")         # a grader bug
    return tuple(lrs), tuple(flat(list(model.parameters())).tolist())


def _check_training_run(record):
    """The real run: the student's scheduler and StepLR drive the same training identically."""
    settings = _settings((RUN_LR, RUN_GAMMA, RUN_STEP_SIZE))
    run = f"in a {RUN_STEPS}-step SGD run of SmallNet with {settings}"
    must_only_set_lr = ("step() must only set the lr — it must not call optimizer.step() or "
                        "zero_grad() or change other optimizer settings")
    record.result("run: new", f"StepDecayScheduler(optimizer, {settings})", INIT_HINT)
    lrs = []
    for t in range(RUN_STEPS):
        record.result(f"run: step({t})", f"step({t}) during a {RUN_STEPS}-step training run")
        lrs.append(record.number(f"run: lr {t}", f"the param group lr at update {t}"))
        record.result(f"run: update {t}", f"the optimizer's update {t} {run}", must_only_set_lr)
    for t, got in enumerate(lrs):
        expected = step_decay(RUN_LR, RUN_GAMMA, RUN_STEP_SIZE, t)
        if not close(got, expected, LR_RTOL, LR_ATOL):
            shown_expected, shown = fmt_pair(expected, got)
            raise CheckFailed(f"{run}, the lr at update {t}: expected {shown_expected} (as StepLR), got "
                              f"{shown}. Likely cause: call step(t) with the update's index t, and set "
                              f"get_lr(t) without other changes to the optimizer.")
    weights = record.tensor("run: weights", f"the final weights {run}")
    if weights is None:
        raise CheckFailed(f"{run}, the final weights could not be read. Likely cause: the answer cell "
                          f"interferes with the tests.")
    require_same_weights(weights, reference_run()[1],
                         f"{run}, the final weights: expected those of the same run driven by "
                         f"torch.optim.lr_scheduler.StepLR", must_only_set_lr, rtol=WEIGHTS_RTOL)


def step_decay_optimizer(record):
    """step(t) sets the lr on every param group and returns it; a real run matches StepLR."""
    _check_step_calls(record)
    _check_training_run(record)
