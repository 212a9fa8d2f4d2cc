"""Exercise 1, step decay: judge the records of autograder/exercises/step_decay/probe.py.

step_decay_lr compares get_lr with the closed form (each group's own initial lr times gamma to the
number of whole periods completed). step_decay_optimizer compares the constructor, step() (PyTorch's
interface: no argument, called after each update, the scheduler keeps its own position), state_dict
and load_state_dict with the student's OWN get_lr and own uninterrupted run, as the visible tests
say, so a wrong get_lr costs only the first cell. A likely cause is named only when exactly one known
mistake of the catalogues below reproduces the student's values (judging.diagnose); otherwise the
feedback shows the failing case alone.
"""
import functools
import math

import torch

from autograder.exercises.judging import (CheckFailed, Misconception, as_floats, close, decode, diagnose,
                                         failure, fmt, kind_of, wrong_value)
from autograder.exercises.probing import flat, one_thread
from autograder.exercises.step_decay import probe as probe
from autograder.exercises.step_decay.probe import (DEFAULT_LR, LR_CASES, N_CALLS, PAIR, PAIR_CALLS, PAIR_STEPS,
                                                   RESUME_AT, RUN_BIAS_LR, RUN_GAMMA, RUN_LR, RUN_STEP_SIZE, RUN_STEPS,
                                                   STEP_CASES)

# An lr computed in float32 (or on a GPU) is within a few float32 roundings (~1e-7) of the closed
# form; every known mistake is off by at least a factor gamma somewhere.
LR_RTOL, LR_ATOL = 1e-5, 1e-12
# The run's weights: the student's run may be on a GPU, the reference is on the CPU; 300 updates
# of rounding differences stay far below this, while one extra optimizer.step() per update moves
# the weights by more than 1e-2 (see test_step_decay.py).
WEIGHTS_RTOL = 1e-4
INIT_HINT = ("an error in __init__ (or in the get_lr it calls to set the lrs of update 0), or a signature other "
             "than __init__(self, optimizer, step_size, gamma)")


def initial_lrs(group_lrs):
    return [DEFAULT_LR if lr is None else lr for lr in group_lrs]


def step_decay(group_lrs, step_size, gamma, t):
    """The lr of every group at update t: its initial lr times gamma ** (whole periods completed)."""
    return [lr * gamma ** (t // step_size) for lr in initial_lrs(group_lrs)]


def _settings(case):
    group_lrs, s, gamma = case
    return f"group lrs {list(initial_lrs(group_lrs))}, step_size={s}, gamma={gamma:g}"


def same(got, expected):
    """Two lists of lrs equal up to rounding (False for None or another length)."""
    return got is not None and expected is not None and len(got) == len(expected) and \
        all(close(g, e, LR_RTOL, LR_ATOL) for g, e in zip(got, expected))


def shown(values):
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def _as_lrs(value):
    """A recorded value as a list of floats; None when it is not a list (or tensor) of numbers."""
    try:
        if isinstance(value, dict) and isinstance(value.get("tensor"), list):
            return [decode(x) for x in value["tensor"]]
        if isinstance(value, dict) and isinstance(value.get("seq"), list):
            return [_one_number(item) for item in value["seq"]]
    except (CheckFailed, TypeError, ValueError):
        return None
    return None


def _one_number(item):
    """A recorded entry of a list as a float (NaN included); ValueError when it is no single number."""
    if isinstance(item, dict) and "float" in item:
        return decode(item["float"])
    if isinstance(item, dict) and isinstance(item.get("tensor"), list) and len(item["tensor"]) == 1:
        return decode(item["tensor"][0])
    raise ValueError("not a number")


def maybe_lrs(record, key):
    """What the call under `key` returned, as a list of floats; None when it raised, is missing or
    is not a list of numbers (such values only weaken a diagnosis)."""
    try:
        if not record.has(key) or record.failed(key):
            return None
        return _as_lrs(record.outcome(key)["value"])
    except CheckFailed:
        return None


def lrs(record, key, what, n_groups, hint=None):
    """The list of lrs the call under `key` returned; every other outcome fails the check."""
    value = record.result(key, what, *([hint] if hint else []))
    if value is None:
        raise CheckFailed(f"{what} returned None, expected a list of {n_groups} lrs (one per param group). "
                          f"Likely cause: a missing return.")
    numbers = _as_lrs(value)
    if numbers is None:
        kind = "a single number" if isinstance(value, dict) and ("float" in value or "bool" in value) \
            else f"a {kind_of(value)}"
        raise CheckFailed(f"{what}: expected a list of {n_groups} lrs (one per param group, in the optimizer's "
                          f"order), got {kind}.")
    if any(x != x for x in numbers):
        raise CheckFailed(f"{what} returned NaN in {shown(numbers)}. Likely cause: an invalid operation such "
                          f"as 0 / 0.")
    if len(numbers) != n_groups:
        raise CheckFailed(f"{what}: expected a list of {n_groups} lrs (one per param group, in the optimizer's "
                          f"order), got {len(numbers)}: {shown(numbers)}.")
    return numbers


def read_group_lrs(record, key, what, n_groups):
    """The lrs the probe read from the param groups after a call."""
    value = record.result(key, what)
    numbers = _as_lrs(value)
    if numbers is None or len(numbers) != n_groups or any(x != x for x in numbers):
        raise CheckFailed(f"{what}: the param groups' lrs could not be read as {n_groups} numbers. Likely "
                          f"cause: step must set each group['lr'] to a number.")
    return numbers


# ----------------------------------------------------------------------------------------------
# get_lr: the catalogue of misconceptions, each defined by the values it produces

def _periods_mistake(periods):
    """The lrs of a get_lr that counts `periods(t, s)` instead of whole periods completed."""
    def lrs(case, t):
        group_lrs, s, gamma = case
        return [lr * gamma ** periods(t, s) for lr in initial_lrs(group_lrs)]
    return lrs


def _formula_mistake(formula):
    def lrs(case, t):
        group_lrs, s, gamma = case
        return [formula(lr, gamma, t // s) for lr in initial_lrs(group_lrs)]
    return lrs


def _one_lr_for_all(which):
    def lrs(case, t):
        group_lrs, s, gamma = case
        base = which(initial_lrs(group_lrs))
        return [base * gamma ** (t // s)] * len(group_lrs)
    return lrs


def _hard_coded(gamma2=None, s2=None):
    def lrs(case, t):
        group_lrs, s, gamma = case
        g, size = gamma2 or gamma, s2 or s
        return [lr * g ** (t // size) for lr in initial_lrs(group_lrs)]
    return lrs


def _chainable(case, t):
    """PyTorch's chainable StepLR.get_lr written for get_lr(t): the current lr, times gamma only at a
    period boundary."""
    group_lrs, s, gamma = case
    factor = gamma if t > 0 and t % s == 0 else 1.0
    return [lr * factor for lr in initial_lrs(group_lrs)]


LATE = ("decays one update late (counting updates from 1, or t - 1); in the spec, update t = step_size is the first "
        "decayed one")
EARLY = ("decays one update early (counting updates from 1, or t + 1); in the spec, updates 0 .. step_size - 1 use the "
         "initial lr")
AT_ZERO = ("decays already at update 0; in the spec, update 0 uses the initial lr, and the first decay is at "
           "t = step_size")
LONG_PERIOD = ("each period is one update too long (t // (step_size + 1)): the first decay comes one update late, "
               "and every later one falls a further update behind")
FORMULA_MISTAKES = (
    (LATE, _periods_mistake(lambda t, s: (t - 1) // s)),
    (LATE, _periods_mistake(lambda t, s: max(t - 1, 0) // s)),
    (LONG_PERIOD, _periods_mistake(lambda t, s: t // (s + 1))),
    (EARLY, _periods_mistake(lambda t, s: (t + 1) // s)),
    (AT_ZERO, _periods_mistake(lambda t, s: t // s + 1)),
    ("rounds the number of periods up, so the lr decays right after update 0; count whole periods completed",
     _periods_mistake(lambda t, s: math.ceil(t / s))),
    ("decays smoothly, with a fractional number of periods; count whole periods completed only",
     _periods_mistake(lambda t, s: t / s)),
    ("rounds the number of periods to the nearest; count whole periods completed",
     _periods_mistake(lambda t, s: round(t / s))),
    ("decays at every update; multiply by gamma once per step_size updates",
     _periods_mistake(lambda t, s: t)),
    ("uses the position inside the period instead of the number of periods completed",
     _periods_mistake(lambda t, s: t % s)),
    ("never decays: get_lr returns the initial lrs", _periods_mistake(lambda t, s: 0)),
    ("multiplies by gamma times the number of periods instead of raising gamma to that power",
     _formula_mistake(lambda lr, g, n: lr * g * n)),
    ("multiplies by gamma times the number of periods instead of raising gamma to that power",
     _formula_mistake(lambda lr, g, n: lr * g * n if n else lr)),
    ("subtracts at each period instead of multiplying by gamma", _formula_mistake(lambda lr, g, n: lr - g * n)),
    ("subtracts at each period instead of multiplying by gamma", _formula_mistake(lambda lr, g, n: lr - lr * g * n)),
    ("subtracts at each period instead of multiplying by gamma",
     _formula_mistake(lambda lr, g, n: max(lr - lr * g * n, 0.0))),
    ("subtracts at each period instead of multiplying by gamma",
     _formula_mistake(lambda lr, g, n: lr * (1 - (1 - g) * n))),
    ("uses the first group's lr for every group; scale each group's own initial lr",
     _one_lr_for_all(lambda lrs: lrs[0])),
    ("uses the optimizer's default lr (optimizer.defaults['lr']) for every group; scale each group's own "
     "initial lr", _one_lr_for_all(lambda lrs: DEFAULT_LR)),
    ("ignores the gamma given to the constructor (a hard-coded value)", _hard_coded(gamma2=0.1)),
    ("ignores the gamma given to the constructor (a hard-coded value)", _hard_coded(gamma2=0.5)),
    ("ignores the step_size given to the constructor (a hard-coded value)", _hard_coded(s2=1000)),
    ("ignores the step_size given to the constructor (a hard-coded value)", _hard_coded(s2=30)),
    ("ignores the step_size given to the constructor (a hard-coded value)", _hard_coded(s2=10)),
)
STATEFUL = ("get_lr depends on earlier calls (a counter, or lrs kept and changed between calls); compute it "
            "from t and the initial lrs alone")
CHAINED = ("get_lr multiplies its lrs in place at each period boundary (PyTorch's chainable style), so the "
           "result depends on the calls before; compute it from t and the initial lrs alone")
SHARED = ("settings kept on the class or module are shared by every scheduler: creating a second scheduler "
          "changed the first; store them on self")


def _fits_everywhere(lrs_of):
    """Misconception.fits for a mistake that gives lrs_of(case, t) whatever was asked before: on new
    schedulers and on one scheduler asked again and again."""
    def fits(evidence):
        return all(same(values, lrs_of(case, t)) for case, fresh in zip(LR_CASES, evidence["fresh"])
                   for t, values in fresh.items()) and \
            _repeat_fits(evidence, lambda case, steps: [lrs_of(case, t) for t in steps])
    return fits


def _counts_calls(evidence):
    """get_lr(t) ignores t: the j-th call on a scheduler answers for update j (or j + 1)."""
    return any(_repeat_fits(evidence, lambda case, steps: [step_decay(*case, j + offset) for j in range(len(steps))])
               for offset in (0, 1))


def _simulate_chained(case, steps):
    """The answers of a get_lr that keeps lrs and multiplies them by gamma whenever t is a boundary."""
    group_lrs, s, gamma = case
    kept, answers = initial_lrs(group_lrs), []
    for t in steps:
        if t > 0 and t % s == 0:
            kept = [lr * gamma for lr in kept]
        answers.append(kept)
    return answers


def _fresh_right(evidence):
    return all(same(values, step_decay(*case, t)) for case, fresh in zip(LR_CASES, evidence["fresh"])
               for t, values in fresh.items())


def _fresh_chainable(evidence):
    return all(same(values, _chainable(case, t)) for case, fresh in zip(LR_CASES, evidence["fresh"])
               for t, values in fresh.items())


def _repeat_fits(evidence, answers_of):
    """Every case's repeated calls on one scheduler are answers_of(case, steps)."""
    return all(len(repeat) == len(probe.repeat_steps(case[1])) and
               all(same(got, want) for got, want in zip(repeat, answers_of(case, probe.repeat_steps(case[1]))))
               for case, repeat in zip(LR_CASES, evidence["repeat"]))


def _chained(evidence):
    return _fresh_chainable(evidence) and _repeat_fits(evidence, _simulate_chained)


def _chainable_formula(evidence):
    return _fresh_chainable(evidence) and _repeat_fits(evidence, lambda case, steps: [_chainable(case, t)
                                                                                       for t in steps])


def _depends_on_calls(evidence):
    """Right on new schedulers, wrong on one asked again and again."""
    return _fresh_right(evidence) and any(
        not same(got, step_decay(*case, t))
        for case, repeat in zip(LR_CASES, evidence["repeat"])
        for t, got in zip(probe.repeat_steps(case[1]), repeat))


def _shared_between_instances(evidence):
    """Each scheduler right alone; in the pair, A answers with B's settings."""
    if not (evidence["pair_fresh_right"] and evidence["pair"]):
        return False
    (a_lrs, _, _), (b_lrs, b_s, b_gamma) = PAIR
    for j, (t, got) in enumerate(zip(PAIR_STEPS, evidence["pair"])):
        if j % 2 == 0:
            options = [step_decay(a_lrs, b_s, b_gamma, t), step_decay(b_lrs, b_s, b_gamma, t)]
            if not any(same(got, option) for option in options):
                return False
    return True


LR_CATALOGUE = [Misconception(cause, _fits_everywhere(lrs_of)) for cause, lrs_of in FORMULA_MISTAKES] + [
    Misconception(STATEFUL, lambda e: _depends_on_calls(e) and not _chained(e)),
    Misconception("get_lr ignores t and counts its own calls instead; compute the lr of update t from t",
                  _counts_calls),
    Misconception(CHAINED, _chained),
    Misconception("copies PyTorch's chainable StepLR.get_lr, which multiplies the current lr by gamma only at a "
                  "period boundary; get_lr(t) must give the lr of update t itself", _chainable_formula),
    Misconception(SHARED, _shared_between_instances),
]


def lr_evidence(record):
    fresh = [{t: maybe_lrs(record, f"case {i}: fresh get_lr({t})") for t in probe.hint_steps(case[1])}
             for i, case in enumerate(LR_CASES)]
    repeat = []
    for i, case in enumerate(LR_CASES):
        values = [maybe_lrs(record, f"case {i}: repeat #{j}") for j in range(len(probe.repeat_steps(case[1])))]
        repeat.append(values if all(v is not None for v in values) else [])
    pair_fresh_right = all(
        same(maybe_lrs(record, f"pair: fresh {label} get_lr({t})"), step_decay(*case, t))
        for label, case in zip("AB", PAIR) for t in set(PAIR_STEPS))
    pair = [maybe_lrs(record, f"pair: #{j}") for j in range(len(PAIR_STEPS))]
    return {"fresh": fresh, "repeat": repeat, "pair": pair if all(v is not None for v in pair) else [],
            "pair_fresh_right": pair_fresh_right}


def step_decay_lr(record):
    """get_lr(t) gives every group its own initial lr times gamma ** (whole periods completed), for
    any settings and call order, with several schedulers alive at once; it changes no lr."""
    failures = []
    for i, case in enumerate(LR_CASES):
        group_lrs, s, gamma = case
        settings = _settings(case)
        record.result(f"case {i}: new", f"StepDecayScheduler(optimizer, {s}, {gamma:g}) with {settings}",
                      INIT_HINT)
        steps = probe.table_steps(s)
        for j, t in enumerate(steps):
            earlier = f", after get_lr of {list(steps[:j])} on the same scheduler" if j else ""
            what = f"get_lr({t}) with {settings}{earlier}"
            got = lrs(record, f"case {i}: get_lr #{j}", what, len(group_lrs))
            expected = step_decay(*case, t)
            if not same(got, expected):
                failures.append(((j > 0 and t in steps[:j]), len(group_lrs), t, j, what, expected, got))
    if failures:
        *_, what, expected, got = min(failures, key=lambda f: f[:4])       # the smallest case
        raise wrong_value(what, expected, got, diagnose(LR_CATALOGUE, lr_evidence(record)))

    _check_pair(record)

    for i, case in enumerate(LR_CASES):
        n = len(case[0])
        created = read_group_lrs(record, f"case {i}: lrs after new", "the param groups after StepDecayScheduler(...)",
                                 n)
        after = read_group_lrs(record, f"case {i}: lrs after get_lr", "the param groups after get_lr calls", n)
        if not same(after, created):
            raise wrong_value(f"the param groups' lrs after only get_lr calls with {_settings(case)}, compared with "
                              f"those right after the scheduler was created", created, after,
                              "get_lr writes into the optimizer; it only computes, and step() sets the lrs")


def _check_pair(record):
    """Two schedulers alive at once: each one answers with its own settings."""
    a, b = PAIR
    record.result("pair: A new", f"StepDecayScheduler with {_settings(a)}", INIT_HINT)
    record.result("pair: B new", f"a second StepDecayScheduler, created while the first exists ({_settings(b)})",
                  INIT_HINT)
    for j, t in enumerate(PAIR_STEPS):
        (label, case), (other, other_case) = (("A", a), ("B", b)) if j % 2 == 0 else (("B", b), ("A", a))
        what = (f"get_lr({t}) of scheduler {label} ({_settings(case)}) while scheduler {other} "
                f"({_settings(other_case)}) exists too")
        got = lrs(record, f"pair: #{j}", what, len(case[0]))
        expected = step_decay(*case, t)
        if not same(got, expected):
            raise wrong_value(what, expected, got, diagnose(LR_CATALOGUE, lr_evidence(record)))


# ----------------------------------------------------------------------------------------------
# step(): judged against the student's own get_lr

def ordinal(k):
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def own_table(record, fresh):
    """{t: the student's get_lr(t) on a new scheduler} for every t the probe asked (None when unreadable);
    `fresh` is the keys' prefix ("calls i: fresh", "pair: fresh A")."""
    return {t: maybe_lrs(record, f"{fresh} get_lr({t})") for t in probe.own_steps()}


def _own(record, fresh, case, t):
    return lrs(record, f"{fresh} get_lr({t})", f"get_lr({t}) of a new scheduler with {_settings(case)} "
               f"(the step() tests compare step() with your own get_lr)", len(case[0]))


NOT_WRITTEN = "step() does not write the lrs into optimizer.param_groups"
LATE_STEP = ("step() sets the lr of the position it is at and then moves on, so every update runs one update late; "
             "move the position on first, then set the lrs of the new position")
TWICE = "step() moves the position on twice per call (two increments), so the schedule runs twice as fast"
COMPOUNDS = ("step() multiplies each group's current lr by the decay instead of using its initial lr, so the lrs "
             "compound from call to call")
SHARED_COUNTER = ("the position is kept on the class (or module), so every scheduler shares it: stepping one "
                  "scheduler moved the other; keep it on self")
STEP_MISTAKES = (
    (NOT_WRITTEN, lambda own, case, k, before: before),
    ("step() sets only the first param group; loop over all of optimizer.param_groups",
     lambda own, case, k, before: own[k][:1] + before[1:]),
    ("step() sets every group to the first group's lr instead of each group's own entry of get_lr",
     lambda own, case, k, before: own[k][:1] * len(before)),
    (COMPOUNDS, lambda own, case, k, before: [lr * case[2] ** (k // case[1]) for lr in before]),
    (LATE_STEP, lambda own, case, k, before: own.get(k - 1)),
    (TWICE, lambda own, case, k, before: own.get(2 * k)),
)


def _calls_fit(predict):
    def fits(evidence):
        return any(calls for _, _, calls in evidence["calls"]) and all(
            same(after, predict(own, case, k, before)) for case, own, calls in evidence["calls"]
            for k, before, after in calls)
    return fits


def _shared_counter(evidence):
    """Right get_lr; in the pair, the j-th call (A and B in turn) sets the lrs of position c + j + 1."""
    pair = evidence["pair"]
    if not pair or not evidence["pair_own_right"]:
        return False
    for c in range(0, 4000):
        if all(same(after, step_decay(*PAIR[j % 2], c + j + 1)) for j, after in enumerate(pair)):
            return not all(same(after, step_decay(*PAIR[j % 2], j // 2 + 1)) for j, after in enumerate(pair))
    return False


def _shared_settings(evidence):
    """In the pair, scheduler A steps with its own initial lrs but B's step_size and gamma."""
    (a_lrs, _, _), (_, b_s, b_gamma) = PAIR
    pair = evidence["pair"]
    return bool(pair) and evidence["pair_own_right"] and all(
        same(after, step_decay(a_lrs, b_s, b_gamma, j // 2 + 1)) for j, after in enumerate(pair) if j % 2 == 0) and \
        not all(same(after, step_decay(*PAIR[0], j // 2 + 1)) for j, after in enumerate(pair) if j % 2 == 0)


STEP_CATALOGUE = [Misconception(cause, _calls_fit(predict)) for cause, predict in STEP_MISTAKES] + [
    Misconception(SHARED_COUNTER, _shared_counter), Misconception(SHARED, _shared_settings)]


def _calls_of(record, prefix, n):
    """(k, lrs before, lrs after) for the k-th step() call, as far as the record holds them."""
    calls, before = [], maybe_lrs(record, f"{prefix}: lrs after new")
    for k in range(1, N_CALLS + 1):
        after = maybe_lrs(record, f"{prefix}: lrs after #{k}")
        if before is None or after is None or len(after) != n:
            break
        calls.append((k, before, after))
        before = after
    return calls


def step_evidence(record):
    calls = [(case, own_table(record, f"calls {i}: fresh"), _calls_of(record, f"calls {i}", len(case[0])))
             for i, case in enumerate(STEP_CASES)]
    pair = [maybe_lrs(record, f"pair: lrs after #{j}") for j in range(2 * PAIR_CALLS)]
    pair_own_right = all(same(maybe_lrs(record, f"pair: fresh {label} get_lr({t})"), step_decay(*case, t))
                         for label, case in zip("AB", PAIR) for t in probe.own_steps())
    return {"calls": calls, "pair": pair if all(v is not None for v in pair) else [],
            "pair_own_right": pair_own_right}


def _check_step_calls(record, i, case):
    """The constructor sets the lrs of update 0; the k-th step() sets each group to its entry of the
    student's own get_lr(k) and returns that list."""
    prefix, (group_lrs_, s, gamma) = f"calls {i}", case
    n, settings = len(group_lrs_), _settings(case)
    record.result(f"{prefix}: new", f"StepDecayScheduler(optimizer, {s}, {gamma:g}) with {settings}", INIT_HINT)
    before = read_group_lrs(record, f"{prefix}: lrs after new", "the param groups after StepDecayScheduler(...)", n)
    expected = _own(record, f"{prefix}: fresh", case, 0)
    if not same(before, expected):
        not_set = Misconception("the constructor does not set the lrs; like PyTorch's schedulers it sets every "
                                "group's lr to that of update 0 (your get_lr(0)) when created",
                                lambda e: same(before, initial_lrs(group_lrs_)))
        raise wrong_value(f"the param group lrs right after StepDecayScheduler(optimizer, {s}, {gamma:g}) with "
                          f"{settings}, compared with your own get_lr(0)", expected, before,
                          diagnose([not_set, Misconception(SHARED_COUNTER, _shared_counter)], step_evidence(record)))
    for k in range(1, N_CALLS + 1):
        what = f"the {ordinal(k)} call of step() with {settings}"
        returned = record.result(f"{prefix}: step #{k}", what)
        after = read_group_lrs(record, f"{prefix}: lrs after #{k}", f"the param groups after {what}", n)
        expected = _own(record, f"{prefix}: fresh", case, k)
        if not same(after, expected):
            evidence = step_evidence(record)
            raise wrong_value(f"the param group lrs after {what}, compared with your own get_lr({k})", expected,
                              after, diagnose(STEP_CATALOGUE, evidence))
        if returned is None:
            raise CheckFailed(f"{what} returned None, expected the list of lrs it set, {shown(after)}. Likely "
                              f"cause: a missing return.")
        numbers = _as_lrs(returned)
        if numbers is None:
            kind = "a single number" if isinstance(returned, dict) and "float" in returned else \
                f"a {kind_of(returned)}"
            raise CheckFailed(f"what {what} returned: expected the list of lrs it set, {shown(after)}, got "
                              f"{kind}.")
        if not same(numbers, after):
            cause = diagnose([Misconception("step() returns the initial lrs, not the lrs it set", lambda e: all(
                                  same(r, initial_lrs(group_lrs_)) for r, _ in e)),
                              Misconception("step() returns the lrs from before the call, not the lrs it set",
                                            lambda e: all(same(r, b) for r, b in e))],
                             _returns(record, prefix, n))
            raise wrong_value(f"what {what} returned, compared with the lrs it set", after, numbers, cause)


def _returns(record, prefix, n):
    """(what step() returned, the groups' lrs before the call) for every call the record holds."""
    return [(maybe_lrs(record, f"{prefix}: step #{k}"), before) for k, before, _ in _calls_of(record, prefix, n)]


def _check_step_pair(record_):
    """Two schedulers stepped in turn: each one's k-th step() sets its own get_lr(k)."""
    for label, case in zip("AB", PAIR):
        record_.result(f"pair: {label} new", f"StepDecayScheduler with {_settings(case)} (one of two alive at once)",
                       INIT_HINT)
    for j in range(2 * PAIR_CALLS):
        (label, case), (other, other_case) = (("A", PAIR[0]), ("B", PAIR[1])) if j % 2 == 0 else \
            (("B", PAIR[1]), ("A", PAIR[0]))
        k = j // 2 + 1
        what = (f"the {ordinal(k)} step() of scheduler {label} ({_settings(case)}), stepped in turn with scheduler "
                f"{other} ({_settings(other_case)})")
        record_.result(f"pair: step #{j}", what)
        after = read_group_lrs(record_, f"pair: lrs after #{j}", f"the param groups after {what}", len(case[0]))
        expected = _own(record_, f"pair: fresh {label}", case, k)
        if not same(after, expected):
            raise wrong_value(f"the param group lrs after {what}, compared with your own get_lr({k})", expected,
                              after, diagnose(STEP_CATALOGUE, step_evidence(record_)))


# ----------------------------------------------------------------------------------------------
# The training run, uninterrupted and resumed

def replay(lrs_per_update, extra_step=False):
    """The final weights of the probe's run on the CPU with the given group lrs set before each
    update (and, with `extra_step`, one more optimizer.step() after it, as a step() that calls it)."""
    return _replayed(tuple(tuple(lrs_) for lrs_ in lrs_per_update), extra_step)


@functools.lru_cache(maxsize=16)    # every right answer sets the same lrs: judged once per grader
def _replayed(lrs_per_update, extra_step):
    with one_thread():
        model, x, y = probe.run_model(torch.device("cpu"))
        optimizer = probe.run_optimizer(model)
        for lrs_ in lrs_per_update:
            for group, lr in zip(optimizer.param_groups, lrs_):
                group["lr"] = lr
            probe.update(model, optimizer, x, y)
            if extra_step:
                optimizer.step()
    return tuple(flat(list(model.parameters())).tolist())


@functools.lru_cache(maxsize=None)
def reference_run():
    """(lrs at each update, final weights) of the run driven by StepLR, on the CPU (for the tests)."""
    with one_thread():
        model, x, y = probe.run_model(torch.device("cpu"))
        optimizer = probe.run_optimizer(model)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=RUN_STEP_SIZE, gamma=RUN_GAMMA)
        used = []
        for _ in range(RUN_STEPS):
            used.append(tuple(group["lr"] for group in optimizer.param_groups))
            probe.update(model, optimizer, x, y)
            scheduler.step()
    return tuple(used), tuple(flat(list(model.parameters())).tolist())


def _weights_differ(got, reference):
    difference = max((abs(a - b) for a, b in zip(got, reference)), default=math.inf) \
        if len(got) == len(reference) else math.inf
    allowed = WEIGHTS_RTOL * (1 + max((abs(x) for x in reference), default=0.0))
    return (not difference <= allowed), difference, allowed


RUN = (f"a {RUN_STEPS}-update SGD run of SmallNet (weights at lr {RUN_LR:g}, biases at {RUN_BIAS_LR:g}; "
       f"step_size={RUN_STEP_SIZE}, gamma={RUN_GAMMA:g})")
MUST_ONLY_SET_LR = ("step() must only set the lrs: not call optimizer.step() or zero_grad(), nor change other "
                    "optimizer settings")


def _read_run(record, prefix, updates, label):
    used = []
    for t in updates:
        used.append(read_group_lrs(record, f"{prefix}: lrs {t}", f"the param groups at update {t} of {label}", 2))
        record.result(f"{prefix}: update {t}", f"the optimizer's update {t} in {label}", MUST_ONLY_SET_LR)
        record.result(f"{prefix}: step after {t}", f"step() after update {t} in {label}")
    return used


def _check_training_run(record):
    """The uninterrupted run changes nothing but the lrs; the run saved after update RESUME_AT - 1
    and resumed sets the same lrs and ends on the same weights."""
    record.result("run: new", f"StepDecayScheduler(optimizer, {RUN_STEP_SIZE}, {RUN_GAMMA:g}) in {RUN}",
                  INIT_HINT)
    used = _read_run(record, "run", range(RUN_STEPS), RUN)
    weights = record.tensor("run: weights", f"the final weights of {RUN}")
    if weights is None:
        raise CheckFailed(f"the final weights of {RUN} could not be read. Likely cause: the answer cell "
                          f"interferes with the tests.")
    expected = replay(used)
    differ, difference, allowed = _weights_differ(weights, expected)
    if differ:
        cause = MUST_ONLY_SET_LR + " (step() calls optimizer.step())" \
            if not _weights_differ(weights, replay(used, extra_step=True))[0] else None
        text = (f"the final weights of {RUN}: expected those of plain SGD with the lrs your step set, got "
                f"weights up to {difference:.3g} away (at most {allowed:.3g} allowed)")
        raise failure(text, cause)
    _check_resume(record, used, weights)


def _check_resume(record, used, weights):
    resumed_run = f"{RUN}, saved after update {RESUME_AT - 1} and the step() after it, and resumed"
    record.result("resume: first new", f"StepDecayScheduler(...) in {resumed_run}", INIT_HINT)
    _read_run(record, "resume", range(RESUME_AT), resumed_run)
    state = record.result("resume: state_dict", f"state_dict() after update {RESUME_AT - 1} and the step() after it")
    if not isinstance(state, dict):
        raise CheckFailed(f"state_dict() after update {RESUME_AT - 1} returned a {kind_of(state)}, expected a dict "
                          f"of plain values (numbers, lists).")
    if record.has("resume: state kinds"):
        counts = as_floats(record.result("resume: state kinds", "reading the state_dict"), "the state_dict's contents")
        tensors, others = counts if counts and len(counts) == 2 else (0, 0)
        if tensors or others:
            found = " and ".join(text for n, text in ((tensors, f"{tensors:g} tensor(s)"),
                                                      (others, f"{others:g} other object(s)")) if n)
            cause = ("the state holds tensors; store numbers and lists (a tensor's .tolist() or float(...))"
                     if not others else "the state holds objects that are not numbers or lists (an optimizer, "
                     "a function, ...); state_dict holds plain values only, and the resume recipe restores "
                     "the optimizer itself")
            raise CheckFailed(f"state_dict() after update {RESUME_AT - 1}: expected plain values (numbers, lists), "
                              f"got {found}. Likely cause: {cause}.")
    record.result("resume: copy", "copying the state_dict (copy.deepcopy, as a checkpoint does)",
                  "state_dict must hold plain values (numbers, lists), not the optimizer")
    record.result("resume: new", f"StepDecayScheduler(...) on the restored optimizer in {resumed_run}", INIT_HINT)
    created = read_group_lrs(record, "resume: lrs after new", f"the restored optimizer's param groups after "
                             f"StepDecayScheduler(...) in {resumed_run}", 2)
    record.result("resume: load_state_dict", f"load_state_dict(state) in {resumed_run}")
    resumed = _read_run(record, "resume", range(RESUME_AT, RUN_STEPS), resumed_run)
    for t, got in zip(range(RESUME_AT, RUN_STEPS), resumed):
        if not same(got, list(used[t])):
            evidence = {"resumed": resumed, "used": used}
            raise wrong_value(f"the lrs of update {t} in {resumed_run}, compared with the uninterrupted run",
                              list(used[t]), got, diagnose(RESUME_CATALOGUE, evidence))
    if not same(created, list(used[0])):
        raise wrong_value(f"the restored optimizer's lrs right after StepDecayScheduler(...) was created on it in "
                          f"{resumed_run}, compared with update 0's lrs (as at the start of the run)", list(used[0]),
                          created, diagnose([Misconception(NO_SET_IN_INIT,
                                                           lambda e: same(created, list(used[RESUME_AT])))], None))
    resumed_weights = record.tensor("resume: weights", f"the final weights of {resumed_run}")
    differ, difference, allowed = _weights_differ(resumed_weights or [], weights)
    if differ:
        raise CheckFailed(f"the final weights of {resumed_run}: expected those of the uninterrupted run, got "
                          f"weights up to {difference:.3g} away (at most {allowed:.3g} allowed). Likely cause: "
                          f"{MUST_ONLY_SET_LR}; load_state_dict too.")


NO_SET_IN_INIT = ("the constructor left the restored lrs in place; like PyTorch's schedulers it must set every "
                  "group's lr to that of update 0 when created, from the group's initial_lr (which a restored "
                  "optimizer carries)")


def _restored_as_initial(evidence):
    """The resumed lrs are the restored ones (those of update RESUME_AT) times the decay since update 0
    (the first resumed update may be right: a load_state_dict that wrote saved lrs back)."""
    used, resumed = evidence["used"], evidence["resumed"]
    restored = used[RESUME_AT]
    return len(resumed) > 1 and all(
        same(got, [r * u / u0 for r, u, u0 in zip(restored, used[t], used[0])])
        or (t == RESUME_AT and same(got, list(used[t]))) for t, got in zip(range(RESUME_AT, RUN_STEPS), resumed))


def _restarted(evidence):
    """The resumed run starts again from update 0."""
    return all(same(got, list(evidence["used"][i])) for i, got in enumerate(evidence["resumed"]))


def _update_0_lrs_left(evidence):
    """The first resumed update runs at update 0's lrs (LambdaLR's load_state_dict: later updates are right,
    or chained on from there), although the position was restored (not a restart from update 0)."""
    used, resumed = evidence["used"], evidence["resumed"]
    return bool(resumed) and same(resumed[0], list(used[0])) and not _restarted(evidence)


def _frozen(evidence):
    resumed = evidence["resumed"]
    return len(resumed) > 1 and all(same(got, list(resumed[0])) for got in resumed)


RESUME_CATALOGUE = [
    Misconception("the resumed scheduler took the restored optimizer's lrs (already decayed) as its initial lrs; "
                  "keep the initial lrs in state_dict (or in group['initial_lr'], which setdefault keeps) and "
                  "restore them in load_state_dict", _restored_as_initial),
    Misconception("state_dict does not hold the position (how many times step() was called), so the resumed "
                  "scheduler started again from update 0; save it and restore it in load_state_dict", _restarted),
    Misconception("load_state_dict restores the position but leaves the groups at the lrs the constructor set "
                  "(update 0's), as LambdaLR's does; it must also set every group's lr to that of the restored "
                  "position", _update_0_lrs_left),
    Misconception("after load_state_dict, step() no longer writes into the resumed optimizer (does state_dict hold "
                  "the optimizer?); state_dict holds plain values only", _frozen),
]


def step_decay_optimizer(record):
    """The constructor sets the lrs of update 0 and the k-th step() your own get_lr(k), returned; two
    schedulers stepped in turn keep their own positions; a real run changes only the lrs, and resumes
    from state_dict to the same lrs and weights."""
    for i, case in enumerate(STEP_CASES):
        _check_step_calls(record, i, case)
    _check_step_pair(record)
    _check_training_run(record)
