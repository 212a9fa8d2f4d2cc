"""Judges for notebook 03's exercise: the warmup-stable-cosine factor and a tiny GPT's training step.

The spec's schedule and training step live here, with the mistakes students make; each judge
recomputes them on the CPU from the probe's inputs (autograder/exercises/gpt_step/probe.py) and compares the
student's outputs in the record with them. A wrong answer gets a likely cause only when exactly one
known mistake explains everything the probe saw (judging.diagnose); otherwise the feedback is the
first failing case, its inputs, the expected and the returned value, and no guess.
"""
import functools
import math

import torch

from autograder.exercises.judging import (SEE_TRACEBACK, CheckFailed, Misconception, clip_in_place, close,
                                         diagnose, failure, floats, fmt_pair, global_norm, loss_and_norm,
                                         max_difference, near, recorded_lrs, recorded_weights,
                                         require_same_weights, wrong_value)
from autograder.exercises.probing import flat, one_thread
from autograder.exercises.gpt_step.probe import (GPT_BATCH, GPT_CONTEXT, GPT_RUN_GROUP_LRS, GPT_RUN_MAX_NORM,
                                                 GPT_RUN_SCHEDULE, GPT_RUN_STEPS, INVALID_CASES,
                                                 RESUMED_FACTOR, SCHEDULE_CASES, STEP_FACTOR, STEP_GROUP_LRS,
                                                 STEP_MAX_NORM, invalid_key, invalid_steps, run_setup,
                                                 schedule_key, schedule_steps, sgd_setup)

# A factor is one formula of a few operations: computed in float32 it is within 1e-6 (relative) of
# the float64 closed form, worst at the end of a decay to min_factor = 0; every known mistake is off
# by more than 0.01 somewhere.
LR_RTOL, LR_ATOL = 1e-5, 1e-12
# A training step sums thousands of float32 products, in another order on a GPU than on the CPU,
# and AdamW carries such rounding on through 20 updates: the whole run in float32 ends 2.5e-7
# (relative) from the same run in float64, and correct answers in other arithmetic within 3e-7 of
# the reference. Every known mistake moves the weights or the returns by over 1e-3, so the
# tolerance sits 50 times from both (test_gpt_step.py keeps it so).
GPT_RTOL = 2e-5

# ----------------------------------------------------------------------------------------------
# gpt_step_schedule

def _check_settings(warmup_steps, decay_steps, total_steps):
    """The spec's ValueError for settings no schedule has: W < 0, D < 0 or W + D > T."""
    if warmup_steps < 0 or decay_steps < 0 or warmup_steps + decay_steps > total_steps:
        raise ValueError(f"need 0 <= warmup_steps, 0 <= decay_steps and warmup_steps + decay_steps <= "
                         f"total_steps; got warmup_steps={warmup_steps}, decay_steps={decay_steps}, "
                         f"total_steps={total_steps}")


def warmup_stable_cosine(step, warmup_steps, decay_steps, total_steps, min_factor):
    """The factor of update `step` (0-based), the series' convention: warmup (t + 1) / W, 1 until
    the decay starts at T - D, then a cosine from 1 towards min_factor over the last D updates,
    min_factor from t = T on; a ValueError for W < 0, D < 0 or W + D > T."""
    _check_settings(warmup_steps, decay_steps, total_steps)
    if step >= total_steps:
        return min_factor
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if step < total_steps - decay_steps:
        return 1.0
    progress = (step - (total_steps - decay_steps)) / decay_steps
    return min_factor + 0.5 * (1 - min_factor) * (1 + math.cos(math.pi * progress))


def warmup_stable_cosine_table(warmup_steps, decay_steps, total_steps, min_factor):
    """The (step, expected factor) pairs judged for one case, in the order the probe asks them."""
    return [(t, warmup_stable_cosine(t, warmup_steps, decay_steps, total_steps, min_factor))
            for t in schedule_steps(warmup_steps, decay_steps, total_steps)]


def _call_text(case, step):
    w, d, n, low = case
    return (f"warmup_stable_cosine_factor(step={step}, warmup_steps={w}, decay_steps={d}, total_steps={n}, "
            f"min_factor={low:g})")


def _cosine(progress, low, half=0.5, turn=math.pi):
    return low + half * (1 - low) * (1 + math.cos(turn * progress))


def _progress(t, w, d, n):
    """The spec's progress of the decay: 0 at t = T - D, 1 at t = T."""
    return (t - (n - d)) / d


def _with(warmup=None, stable=None, decay=None, past=None, warmup_edge=None, decay_start=None, check=None):
    """The spec's factor with one part replaced: warmup(t, w, d, n, low) for t < W, stable(...) for
    W <= t < T - D, decay(...) for T - D <= t < T, past(...) for t >= T; warmup_edge(w) moves the
    end of the warmup, decay_start(w, d, n) the start of the decay, check(w, d, n) the settings'
    test (raising ValueError)."""
    warmup = warmup or (lambda t, w, d, n, low: (t + 1) / w)
    stable = stable or (lambda t, w, d, n, low: 1.0)
    decay = decay or (lambda t, w, d, n, low: _cosine(_progress(t, w, d, n), low))
    past = past or (lambda t, w, d, n, low: low)
    edge = warmup_edge or (lambda w: w)
    start = decay_start or (lambda w, d, n: n - d)
    check = check or _check_settings

    def factor(t, w, d, n, low):
        check(w, d, n)
        if t >= n:
            return past(t, w, d, n, low)
        if t < edge(w):
            return warmup(t, w, d, n, low)
        return stable(t, w, d, n, low) if t < start(w, d, n) else decay(t, w, d, n, low)
    return factor


def _unclamped(t, w, d, n, low):
    """The cosine continued past T (as CosineAnnealingLR and Hugging Face's schedules do)."""
    return _cosine(_progress(t, w, d, n), low)


def _raises(*_):
    raise ZeroDivisionError


def _no_check(w, d, n):
    return None


def _signs_only(w, d, n):
    if w < 0 or d < 0:
        raise ValueError


def _too_strict(w, d, n):
    if w < 0 or d < 0 or w + d >= n:
        raise ValueError


ZERO_START = ("the warmup starts at 0 (step / warmup_steps, the convention of Hugging Face and Keras); in "
              "this series update 0 already trains and the factor reaches 1 at step warmup_steps - 1")
NO_STABLE = ("the decay starts at the end of the warmup (the schedule of notebook 01), so there is no stable "
             "phase; the factor holds 1 until step total_steps - decay_steps, where the decay starts")
DECAY_ZERO = ("decay_steps = 0 means no decay, so decay_steps must never be a divisor then: the factor is 1 "
              "after the warmup and min_factor from step total_steps on")
# (cause, wrong factor(t, w, d, n, low)): what students hand in. A wrong factor may raise
# ZeroDivisionError where the answer it stands for would, and ValueError where it rejects settings.
SCHEDULE_MISTAKES = (
    (ZERO_START, _with(warmup=lambda t, w, d, n, low: t / w)),
    ("the warmup starts at 0 and reaches 1 at step warmup_steps - 1 (step / (warmup_steps - 1)); in this "
     "series update 0 already trains with 1 / warmup_steps, and each warmup step adds 1 / warmup_steps",
     _with(warmup=lambda t, w, d, n, low: t / (w - 1))),
    ("the warmup divides by warmup_steps + 1 (nanoGPT's convention), so it never reaches 1 inside the "
     "warmup; in this series the last warmup update, step warmup_steps - 1, has factor 1",
     _with(warmup=lambda t, w, d, n, low: (t + 1) / (w + 1))),
    ("the warmup also takes step == warmup_steps (<= instead of <); the factor is 1 there",
     _with(warmup_edge=lambda w: w + 1)),
    ("the warmup ramps up from min_factor (like timm's warmup_lr_init); it ramps from 0, in steps of "
     "1 / warmup_steps", _with(warmup=lambda t, w, d, n, low: low + (1 - low) * (t + 1) / w)),
    ("the warmup ramps up from min_factor and starts there (like timm's warmup_lr_init and Hugging Face's "
     "get_wsd_schedule); it ramps from 0, and update 0 already has 1 / warmup_steps",
     _with(warmup=lambda t, w, d, n, low: low + (1 - low) * t / w)),
    ("the warmup is held at min_factor or more; during the warmup the factor is the ramp alone, even "
     "below min_factor", _with(warmup=lambda t, w, d, n, low: max(low, (t + 1) / w))),
    ("integer division (//) in the warmup; use true division",
     _with(warmup=lambda t, w, d, n, low: (t + 1) // w)),
    ("no warmup: the factor is 1 from step 0; it ramps up as (step + 1) / warmup_steps first",
     _with(warmup=lambda t, w, d, n, low: 1.0)),
    ("warmup_steps = 0 means no warmup, so warmup_steps must never be a divisor then",
     _with(warmup=lambda t, w, d, n, low: (t + 1) / w,
           stable=lambda t, w, d, n, low: _raises() if w == 0 else 1.0,
           decay=lambda t, w, d, n, low: _raises() if w == 0 else _cosine(_progress(t, w, d, n), low),
           past=lambda t, w, d, n, low: _raises() if w == 0 else low)),
    (NO_STABLE, _with(decay_start=lambda w, d, n: w,
                      decay=lambda t, w, d, n, low: _cosine((t - w) / (n - w), low))),
    (NO_STABLE, _with(decay_start=lambda w, d, n: w,
                      decay=lambda t, w, d, n, low: _cosine((t - w) / d, low))),
    ("the stable phase holds min_factor; it holds 1, the peak, until the decay starts",
     _with(stable=lambda t, w, d, n, low: low)),
    ("the progress of the decay counts from step 0; it counts from the start of the decay, "
     "total_steps - decay_steps, over the decay_steps decay updates",
     _with(decay=lambda t, w, d, n, low: _cosine(t / n, low))),
    ("the progress of the decay counts from step 0; it counts from the start of the decay, "
     "total_steps - decay_steps, over the decay_steps decay updates",
     _with(decay=lambda t, w, d, n, low: _cosine(t / d, low))),
    ("the progress of the decay is divided by total_steps; divide by the length of the decay, decay_steps",
     _with(decay=lambda t, w, d, n, low: _cosine((t - (n - d)) / n, low))),
    ("the decay spans decay_steps + 1 updates; its progress is (step - (total_steps - decay_steps)) / "
     "decay_steps", _with(decay=lambda t, w, d, n, low: _cosine((t - (n - d)) / (d + 1), low))),
    ("the decay is one update ahead: it starts at total_steps - decay_steps - 1, where the factor is still 1, "
     "or its progress has a + 1", _with(decay=lambda t, w, d, n, low: _cosine((t - (n - d) + 1) / d, low))),
    ("the decay is one update late: it starts at total_steps - decay_steps + 1; at step total_steps - "
     "decay_steps its progress is 0", _with(decay_start=lambda w, d, n: n - d + 1,
                                            decay=lambda t, w, d, n, low: _cosine((t - (n - d + 1)) / d, low))),
    ("the decay reaches min_factor at the last update (dividing by decay_steps - 1); it reaches it at "
     "step total_steps, one past the last update",
     _with(decay=lambda t, w, d, n, low: _cosine((t - (n - d)) / (d - 1), low))),
    ("integer division (//) in the progress of the decay keeps the factor at 1; use true division",
     _with(decay=lambda t, w, d, n, low: _cosine((t - (n - d)) // d, low))),
    ("min_factor ignored in the decay, so the factor decays to 0",
     _with(decay=lambda t, w, d, n, low: _cosine(_progress(t, w, d, n), 0.0), past=lambda t, w, d, n, low: 0.0)),
    ("min_factor ignored in the decay, so the factor decays to 0",
     _with(decay=lambda t, w, d, n, low: _cosine(_progress(t, w, d, n), 0.0))),
    ("min_factor added on top of the full cosine; the cosine spans 1 - min_factor",
     _with(decay=lambda t, w, d, n, low: low + _cosine(_progress(t, w, d, n), 0.0))),
    ("the factor 1/2 of the cosine is missing",
     _with(decay=lambda t, w, d, n, low: _cosine(_progress(t, w, d, n), low, half=1.0))),
    ("1 - cos makes the factor rise in the decay; the decay uses 1 + cos",
     _with(decay=lambda t, w, d, n, low: low + 0.5 * (1 - low) * (1 - math.cos(math.pi * _progress(t, w, d, n))))),
    ("cos(progress) without pi; the decay is half a cosine period, cos(pi * progress)",
     _with(decay=lambda t, w, d, n, low: _cosine(_progress(t, w, d, n), low, turn=1.0))),
    ("cos(pi / 2 * progress) is a quarter of the cosine; the decay is half a period, cos(pi * progress)",
     _with(decay=lambda t, w, d, n, low: _cosine(_progress(t, w, d, n), low, turn=math.pi / 2))),
    ("a linear decay; in the decay the factor follows half a cosine",
     _with(decay=lambda t, w, d, n, low: low + (1 - low) * (1 - _progress(t, w, d, n)))),
    ("past the end (step >= total_steps) the cosine goes on and climbs back, as CosineAnnealingLR does; "
     "this series holds min_factor from t = T on", _with(past=_unclamped)),
    ("past the end (step >= total_steps) the factor drops to 0; this series holds min_factor from t = T on",
     _with(past=lambda t, w, d, n, low: 0.0)),
    (DECAY_ZERO, _with(past=lambda t, w, d, n, low: _raises() if d == 0 else low)),
    (DECAY_ZERO, _with(past=lambda t, w, d, n, low: _raises() if d == 0 and t == n else low)),
    (DECAY_ZERO, _with(warmup=lambda t, w, d, n, low: _raises() if d == 0 else (t + 1) / w,
                       stable=lambda t, w, d, n, low: _raises() if d == 0 else 1.0,
                       past=lambda t, w, d, n, low: _raises() if d == 0 else low)),
    ("no ValueError for settings no schedule has: raise one when warmup_steps < 0, decay_steps < 0 or "
     "warmup_steps + decay_steps > total_steps", _with(check=_no_check)),
    ("no ValueError when warmup_steps + decay_steps > total_steps (the warmup and the decay overlap); "
     "raise one then too", _with(check=_signs_only)),
    ("warmup_steps + decay_steps == total_steps is a valid setting (no stable phase); raise ValueError only "
     "when it is larger", _with(check=_too_strict)),
)

INVALID = "ValueError"      # what the evidence holds where a call raised ValueError


def _outcome_of(wrong, step, case):
    """What `wrong` gives for `case` at `step`: a number, INVALID (it raised ValueError) or None
    (ArithmeticError)."""
    try:
        return wrong(step, *case)
    except ValueError:
        return INVALID
    except ArithmeticError:
        return None


def _fits(wrong):
    """A Misconception's test: every recorded outcome is what `wrong` gives."""
    def fits(evidence):
        for (cases, index, step), got in evidence.items():
            expected = _outcome_of(wrong, step, cases[index])
            if isinstance(expected, (int, float)):
                if not isinstance(got, float) or not close(got, expected, LR_RTOL, LR_ATOL):
                    return False
            elif got != expected:
                return False
        return True
    return fits


SCHEDULE_CATALOGUE = tuple(Misconception(cause, _fits(wrong)) for cause, wrong in SCHEDULE_MISTAKES)


def asked_calls():
    """(cases, case index, step, record key) of every call the probe makes, in its order."""
    return ([(SCHEDULE_CASES, index, step, schedule_key(index, step))
             for index, case in enumerate(SCHEDULE_CASES) for step in schedule_steps(*case[:3])]
            + [(INVALID_CASES, index, step, invalid_key(index, step))
               for index, case in enumerate(INVALID_CASES) for step in invalid_steps(case[2])])


def _schedule_evidence(record):
    """{(cases, case, step): the recorded factor, INVALID where the call raised ValueError, None
    where it raised something else}; None when some call returned no number at all (then nothing
    is diagnosed)."""
    evidence = {}
    for cases, index, step, key in asked_calls():
        if record.failed(key) is not None:
            evidence[cases, index, step] = INVALID if record.error_type(key) == "ValueError" else None
            continue
        try:
            evidence[cases, index, step] = record.number(key, "")
        except CheckFailed:
            return None
    return evidence


def _diagnosis(record):
    evidence = _schedule_evidence(record)
    return diagnose(SCHEDULE_CATALOGUE, evidence) if evidence else None


# The parameter each rejected setting's message must name: the one at fault, and total_steps where
# warmup and decay do not fit in the run.
def _named_in_message(case):
    w, d, _, _ = case
    return "warmup_steps" if w < 0 else "decay_steps" if d < 0 else "total_steps"


def _judge_invalid(record):
    """Every rejected setting raised ValueError, at every step asked, naming the parameter at fault."""
    for index, case in enumerate(INVALID_CASES):
        for step in invalid_steps(case[2]):
            what = _call_text(case, step)
            key = invalid_key(index, step)
            error = record.failed(key)
            if error is None:
                got = record.number(key, what)
                raise failure(f"{what}: expected a ValueError (warmup_steps < 0, decay_steps < 0 or warmup_steps + "
                              f"decay_steps > total_steps), got {got:.6g}", _diagnosis(record))
            if record.error_type(key) == "NotImplementedError":
                record.number(key, what)        # the "not answered yet" failure
            if record.error_type(key) != "ValueError":
                raise CheckFailed(f"{what} raised {error[:240]}; expected a ValueError. Likely cause: check the "
                                  f"settings first and raise ValueError (an error of another type, or one the "
                                  f"formula runs into, does not tell the caller what is wrong).")
            name = _named_in_message(case)
            if name not in error:
                raise CheckFailed(f"{what} raised {error[:240]}; expected its message to name {name}. Likely "
                                  f"cause: the message does not say which setting is wrong; name the parameters "
                                  f"it concerns.")


def gpt_step_schedule(record):
    """fn(step, warmup_steps, decay_steps, total_steps, min_factor): warmup, stable phase, cosine
    decay over the last decay_steps updates, min_factor past the end; ValueError for bad settings."""
    for index, case in enumerate(SCHEDULE_CASES):
        for step, expected in warmup_stable_cosine_table(*case):
            what = _call_text(case, step)
            key = schedule_key(index, step)
            if record.failed(key) is not None and record.error_type(key) != "NotImplementedError":
                record.number(key, what, _diagnosis(record) or SEE_TRACEBACK)
            got = record.number(key, what)
            if not close(got, expected, LR_RTOL, LR_ATOL):
                raise wrong_value(what, expected, got, _diagnosis(record))
    _judge_invalid(record)


# ----------------------------------------------------------------------------------------------
# gpt_step_train: the reference step and its mistakes

def set_lrs(optimizer, factor, how="initial"):
    """Write the lr of every param group, as the spec says ("initial": each group's initial lr, kept
    as group["initial_lr"] and taken from its lr where there is none yet, times `factor`) or as a
    known mistake does: "current" (each group's current lr times `factor`, so the factors compound),
    "factor" (the factor itself as the lr), "defaults" (the optimizer's default lr times `factor`
    in every group), "first" (the first group only)."""
    groups = optimizer.param_groups[:1] if how == "first" else optimizer.param_groups
    for group in groups:
        if how in ("initial", "first"):
            group.setdefault("initial_lr", group["lr"])
            group["lr"] = group["initial_lr"] * factor
        elif how == "current":
            group["lr"] = group["lr"] * factor
        elif how == "factor":
            group["lr"] = factor
        elif how == "defaults":
            group["lr"] = optimizer.defaults["lr"] * factor


def reference_step(model, optimizer, inputs, targets, factor, max_norm, zero="before", clip="before",
                   set_lr="initial", steps=1):
    """One training step as the spec says (the defaults), or with one named mistake.

    zero: clear old gradients "before" the backward pass, "end" (after the step: this call's update
    adds any gradients left over from before) or "never". clip: "before" the step (by the global
    norm), "after" it, "none", "value" (clip_grad_value_), "each" (every parameter on its own).
    set_lr: a way of set_lrs, "after" the step (the spec's way, too late), "never". steps: how many
    optimizer.step() calls. Returns (loss, norm before clipping) as floats. The clipping is spelled
    out, so that the mistakes can vary it.
    """
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if set_lr not in ("after", "never"):
        set_lrs(optimizer, factor, set_lr)
    if zero == "before":
        optimizer.zero_grad()
    logits = model(inputs)
    value = torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())
    value.backward()
    grads = [p.grad for p in params if p.grad is not None]
    with torch.no_grad():
        norm = global_norm(grads)

        def clip_now():
            how = {"before": "norm", "after": "norm", "value": "value", "each": "param"}.get(clip)
            clip_in_place(grads, max_norm, how, norm)

        if clip != "after":
            clip_now()
        for _ in range(steps):
            optimizer.step()
        if clip == "after":
            clip_now()
    if set_lr == "after":
        set_lrs(optimizer, factor)
    if zero == "end":
        optimizer.zero_grad()
    return value.item(), norm.item()


# (likely cause, options of reference_step): train_step mistakes that change the weights of one step.
STEP_MISTAKES = (
    ("clipping after optimizer.step() does not change this update; clip between the backward pass and "
     "optimizer.step()", {"clip": "after"}),
    ("the gradients were not clipped before the update", {"clip": "none"}),
    ("old gradients were not cleared before the backward pass, so they were added to this batch's",
     {"zero": "never"}),
    ("the gradients were cleared at the end of the step, not before the backward pass: gradients left "
     "in .grad before the call (a scheduler's or an evaluation's) were added to this batch's",
     {"zero": "end"}),
    ("the lr was set after optimizer.step(), so the update used the old lr; set it before the step",
     {"set_lr": "after"}),
    ("the lr was not written into the optimizer", {"set_lr": "never"}),
    ("the lr was set on the first param group only; every group gets its own initial lr times the factor",
     {"set_lr": "first"}),
    ("the factor was used as the lr itself; each group's lr is its initial lr times the factor",
     {"set_lr": "factor"}),
    ("every group got the optimizer's default lr times the factor; each group keeps its own initial lr "
     "(group['initial_lr']), so the groups keep their ratios", {"set_lr": "defaults"}),
    ("clip_grad_value_ clips each element; clip the global norm of all gradients together", {"clip": "value"}),
    ("each parameter was clipped to max_norm on its own; clip the norm of all gradients together",
     {"clip": "each"}),
    ("optimizer.step() was called twice; train_step makes one update", {"steps": 2}),
)


@functools.lru_cache(maxsize=None)
def sgd_step(max_norm, resumed=False, **mistake):
    """One reference SGD step on the probe's one-step setup, on the CPU: (loss, norm, weights after,
    gradients after, group lrs after), with one of STEP_MISTAKES' options if given."""
    with one_thread():
        model, optimizer, inputs, targets = sgd_setup(device="cpu", resumed=resumed)
        loss, norm = reference_step(model, optimizer, inputs, targets, STEP_FACTOR, max_norm, **mistake)
        grads = None if any(p.grad is None for p in model.parameters()) else floats(p.grad for p in model.parameters())
        return (loss, norm, floats(model.parameters()), grads,
                tuple(group["lr"] for group in optimizer.param_groups))


@functools.lru_cache(maxsize=None)
def initial_sgd_weights():
    return floats(sgd_setup(device="cpu")[0].parameters())


@functools.lru_cache(maxsize=None)
def step_facts(max_norm):
    """What the correct step gives (loss, norm, weights after), and wrong values to compare with."""
    with one_thread():
        model, _, inputs, targets = sgd_setup(device="cpu")
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
            facts.update({"with stale": global_norm([g + s for g, s in zip(grads, stale)]).item(),
                          "each": [torch.linalg.vector_norm(g, 2).item() for g in grads],
                          "groups": [global_norm(grads[:2]).item(), global_norm(grads[2:]).item()],
                          "largest": flat(grads).abs().max().item()})
        facts["loss"], facts["norm"], facts["weights"], _, _ = sgd_step(max_norm)
        model, optimizer, inputs, targets = sgd_setup(device="cpu")
        reference_step(model, optimizer, inputs, targets, STEP_FACTOR, max_norm)
        with torch.no_grad():
            facts["loss after"] = ce(model(inputs).flatten(0, 1), targets.flatten()).item()
    return facts


def run_factors():
    """The factor of each update of the GPT run: GPT_RUN_SCHEDULE's warmup, stable phase and cosine."""
    return [warmup_stable_cosine(t, *GPT_RUN_SCHEDULE) for t in range(GPT_RUN_STEPS)]


@functools.lru_cache(maxsize=None)
def reference_run(**mistake):
    """The GPT run with the reference step on the CPU: (losses, norms, final weights)."""
    with one_thread():
        model, optimizer, batches = run_setup(device="cpu")
        losses, norms = [], []
        for (inputs, targets), factor in zip(batches, run_factors()):
            loss, norm = reference_step(model, optimizer, inputs, targets, factor, GPT_RUN_MAX_NORM, **mistake)
            losses.append(loss)
            norms.append(norm)
        return tuple(losses), tuple(norms), floats(model.parameters())


# ----------------------------------------------------------------------------------------------
# gpt_step_train: reading the record

def _train_step_hint(error):
    """A likely cause for an exception raised by train_step, from its text."""
    if "target" in error or "batch_size" in error or "size mismatch" in error:
        return ("F.cross_entropy takes logits of shape (N, vocab) and targets of shape (N,): flatten the "
                "batch and context dimensions (logits.flatten(0, 1), targets.flatten())")
    if "view size is not compatible" in error:
        return "use reshape (or flatten) instead of view on a non-contiguous tensor"
    return SEE_TRACEBACK


def _pair(record, key, what):
    """train_step's (loss, grad_norm) under `key` as two floats."""
    return loss_and_norm(record, key, what, _train_step_hint(record.failed(key) or ""),
                         "return loss.item(), grad_norm.item().")


def _group_lrs(record, key, what):
    """The param groups' lrs recorded under `key`, as floats."""
    return recorded_lrs(record, key, what, "expected one lr per param group, got something else. Likely cause: "
                        "the answer cell interferes with the tests.")


def _value_misconceptions(entries):
    """Misconceptions about one returned number: (cause, the value it gives, from the facts)."""
    return tuple(Misconception(cause, lambda e, value=value: near(e["got"], value(e["facts"])))
                 for cause, value in entries)


LOSS_CATALOGUE = _value_misconceptions((
    ("the pair is swapped; return (loss, grad_norm)", lambda f: f["norm"]),
    ("the loss is summed over positions; take the mean over all batch x context positions", lambda f: f["sum"]),
    ("the loss is summed over one dimension; take the mean over all batch x context positions",
     lambda f: f["loss"] * GPT_CONTEXT),
    ("the loss is summed over one dimension; take the mean over all batch x context positions",
     lambda f: f["loss"] * GPT_BATCH),
    ("the loss was measured after optimizer.step(); return the loss of the forward pass before the update",
     lambda f: f["loss after"]),
    ("only the last position counts; average the cross-entropy over every position", lambda f: f["last"]),
    ("the targets were shifted again; they are already the next characters, so compare logits and targets "
     "position by position", lambda f: f["shifted"]),
))

NORM_CATALOGUE = _value_misconceptions((
    ("the norm was measured after clipping (it equals max_norm); return the norm before clipping",
     lambda f: f["max_norm"]),
    ("old gradients were not cleared before the backward pass, so they were added to this batch's",
     lambda f: f["with stale"]),
    ("the pair is swapped; return (loss, grad_norm)", lambda f: f["loss"]),
    ("the square root is missing; the global norm is the square root of the sum of all squared gradient "
     "elements", lambda f: f["norm"] ** 2),
    ("the per-parameter norms were added; the global norm is the square root of the sum of their squares",
     lambda f: sum(f["each"])),
    ("the largest gradient element (the inf-norm); the global norm is the L2 norm of all gradients",
     lambda f: f["largest"]),
    ("the gradients were cleared after the backward pass, before the norm was measured", lambda f: 0.0),
)) + (Misconception("the norm of some gradients only; the global norm covers every parameter's gradient "
                    "together", lambda e: any(near(e["got"], x) for x in e["facts"]["each"] + e["facts"]["groups"])),)


def _require_value(what, label, got, expected, catalogue, facts):
    """Fail unless `got` is close to `expected`, with the one cause of `catalogue` that fits, if any."""
    if not close(got, expected, GPT_RTOL):
        raise wrong_value(f"{what}, {label}", expected, got, diagnose(catalogue, {"got": got, "facts": facts}))


def weights_tolerance(reference):
    return GPT_RTOL * (1 + max((abs(x) for x in reference), default=0.0))


def _grads_agree(student, theirs, tolerance):
    """The gradients left after a step agree with a mistake's: both cleared (None or zeros), or close."""
    if theirs is None:
        return student is None or all(x == 0 for x in student)
    return student is not None and max_difference(student, theirs) <= tolerance


def _step_misconception(cause, mistake, max_norm, tolerance):
    def fits(evidence):
        _, _, weights, grads, lrs = sgd_step(max_norm, **mistake)
        return (max_difference(evidence["weights"], weights) <= tolerance
                and _grads_agree(evidence["grads"], grads, tolerance) and _lrs_agree(evidence["lrs"], lrs))
    return Misconception(cause, fits)


def _weights_cause(student, student_grads, student_lrs, max_norm, tolerance):
    """The likely cause of wrong weights after one SGD step: the one mistake whose step gives them
    (and the gradients and group lrs it leaves), or None."""
    catalogue = [Misconception("the weights did not change: optimizer.step() was not called, or the "
                               "gradients were cleared between the backward pass and the step",
                               lambda e: max_difference(e["weights"], initial_sgd_weights()) <= tolerance)]
    catalogue += [_step_misconception(cause, mistake, max_norm, tolerance) for cause, mistake in STEP_MISTAKES]
    return diagnose(catalogue, {"weights": student, "grads": student_grads, "lrs": student_lrs})


class _Groups:
    """Param groups without parameters, for tracing how a way of set_lrs moves the lrs."""

    def __init__(self, lrs, default):
        self.param_groups = [{"lr": lr} for lr in lrs]
        self.defaults = {"lr": default}


def _run_lr_trace(how):
    """The group lrs after each update of the GPT run when train_step sets them `how`."""
    groups = _Groups(GPT_RUN_GROUP_LRS, 1e-3)           # 1e-3: AdamW's default lr (run_setup gives none)
    trace = []
    for factor in run_factors():
        if how != "never":
            set_lrs(groups, factor, "initial" if how in ("own key", "after") else how)
        trace.append(tuple(group["lr"] for group in groups.param_groups))
    return trace


# (cause, the way of setting lrs as reference_step names it): what the group lrs after a call reveal.
LR_MISTAKES = (
    ("each group's current lr was multiplied by the factor, so the factors compound from call to call; "
     "the factor multiplies the group's initial lr, group['initial_lr']", "current"),
    ("the factor was used as the lr itself; each group's lr is its initial lr times the factor", "factor"),
    ("every group got the optimizer's default lr times the factor; each group keeps its own initial lr "
     "(group['initial_lr']), so the groups keep their ratios", "defaults"),
    ("the lr was set on the first param group only; every group gets its own initial lr times the factor",
     "first"),
    ("the lr was not written into the optimizer's param groups", "never"),
    ("where a scheduler already stored group['initial_lr'], that is the group's initial lr; the lr the "
     "group holds then is already scaled by an earlier factor", "own key"),
)


def _predicted_lrs(how):
    """{"one": lrs after the one step, "resumed": after the resumed step, "run": after each update}."""
    one = "initial" if how == "own key" else how
    resumed = "current" if how == "own key" else how
    return {"one": sgd_step(STEP_MAX_NORM, set_lr=one)[4],
            "resumed": sgd_step(STEP_MAX_NORM, resumed=True, set_lr=resumed)[4],
            "run": _run_lr_trace(how)}


def _lrs_agree(got, expected):
    return got is not None and len(got) == len(expected) and all(
        close(x, y, LR_RTOL, LR_ATOL) for x, y in zip(got, expected))


def _lr_misconception(cause, how):
    def fits(evidence):
        predicted = _predicted_lrs(how)
        return all(_lrs_agree(evidence[key], predicted[key]) for key in ("one", "resumed") if key in evidence) \
            and all(_lrs_agree(got, expected) for got, expected in zip(evidence.get("run", ()), predicted["run"]))
    return Misconception(cause, fits)


LR_CATALOGUE = tuple(_lr_misconception(cause, how) for cause, how in LR_MISTAKES)


def _readable_lrs(record, key):
    try:
        return tuple(_group_lrs(record, key, key))
    except CheckFailed:
        return None


def _lr_evidence(record):
    """The group lrs the probe saw after the one step, the resumed step and each update of the run
    (as far as they were recorded)."""
    evidence = {"one": _readable_lrs(record, "one step: lrs"), "resumed": _readable_lrs(record, "resumed: lrs")}
    run = [_readable_lrs(record, f"run {t}: lrs") if record.has(f"run {t}: lrs") else None
           for t in range(GPT_RUN_STEPS)]
    evidence["run"] = run[:run.index(None)] if None in run else run
    return evidence


def _shown(values, expected):
    return ", ".join(fmt_pair(e, x)[1] for x, e in zip(values, expected))


def _require_group_lrs(record, key, what, expected):
    """Fail unless the group lrs recorded under `key` are `expected`, with the cause the lrs reveal."""
    lrs = _group_lrs(record, key, f"the param group lrs after {what}")
    if not _lrs_agree(lrs, expected):
        cause = diagnose(LR_CATALOGUE, _lr_evidence(record)) if len(lrs) == len(expected) else \
            "the answer cell interferes with the tests"
        shown = ", ".join(fmt_pair(e, e)[0] for e in expected)
        text = f"{what}: expected the param group lrs [{shown}] afterwards, got [{_shown(lrs, expected)}]"
        raise failure(text, cause)


# ----------------------------------------------------------------------------------------------
# gpt_step_train: the judge

def _one_step_text(resumed=False, max_norm=STEP_MAX_NORM):
    lrs = ", ".join(f"{lr:g}" for lr in STEP_GROUP_LRS)
    state = (f"groups with initial_lr [{lrs}] and lr {RESUMED_FACTOR:g} times that" if resumed else
             f"groups with lr [{lrs}]")
    return (f"train_step(model, optimizer, inputs, targets, lr_factor={STEP_FACTOR:g}, max_norm={max_norm:g}) "
            f"on the tiny GPT with SGD ({state})")


def _judge_one_step(record):
    """One SGD step with stale gradients, two param groups and active clipping, against the spec."""
    max_norm = STEP_MAX_NORM
    what = _one_step_text()
    loss, norm = _pair(record, "one step", what)
    facts = step_facts(max_norm)
    facts = dict(facts, max_norm=max_norm)
    _require_value(what, "the loss (before the update)", loss, facts["loss"], LOSS_CATALOGUE, facts)
    _require_value(what, "the gradient norm before clipping", norm, facts["norm"], NORM_CATALOGUE, facts)
    expected_lrs = tuple(lr * STEP_FACTOR for lr in STEP_GROUP_LRS)
    _require_group_lrs(record, "one step: lrs", what, expected_lrs)
    weights = recorded_weights(record, "one step: weights", f"the weights after {what}")
    tolerance = weights_tolerance(facts["weights"])
    difference = max_difference(weights, facts["weights"])
    if not difference <= tolerance:
        grads = recorded_weights(record, "one step: grads", f"the gradients after {what}", optional=True)
        cause = _weights_cause(weights, grads, _readable_lrs(record, "one step: lrs"), max_norm, tolerance)
        text = (f"{what}: expected the weights of one SGD step with the clipped gradients, got weights up to "
                f"{difference:.3g} away (at most {tolerance:.3g} allowed)")
        raise failure(text, cause)


def _judge_resumed(record):
    """The same step on an optimizer a scheduler already ran: the factor scales group['initial_lr']."""
    what = _one_step_text(resumed=True)
    _pair(record, "resumed", what)
    _require_group_lrs(record, "resumed: lrs", what, tuple(lr * STEP_FACTOR for lr in STEP_GROUP_LRS))
    weights = recorded_weights(record, "resumed: weights", f"the weights after {what}")
    expected = sgd_step(STEP_MAX_NORM)[2]
    require_same_weights(weights, expected, f"{what}: expected the weights of the same step as without a "
                         f"scheduler", "the step used another lr than the one it left in the groups",
                         rtol=GPT_RTOL)


def _judge_no_clipping(record):
    """max_norm = inf clips nothing, and the norm returned is still the (finite) gradient norm."""
    what = _one_step_text(max_norm=math.inf)
    _, norm = _pair(record, "no clipping", what)
    _, expected, expected_weights, _, _ = sgd_step(math.inf)
    if not close(norm, expected, GPT_RTOL):
        hint = ("max_norm was returned instead of the gradient norm measured before clipping"
                if norm == math.inf else None)
        raise wrong_value(f"{what}, the gradient norm", expected, norm, hint)
    weights = recorded_weights(record, "no clipping: weights", f"the weights after {what}")
    tolerance = weights_tolerance(expected_weights)
    difference = max_difference(weights, expected_weights)
    if not difference <= tolerance:
        hint = ("gradients whose norm is below max_norm must stay unchanged; cap the clip factor "
                "max_norm / norm at 1 (here it is inf)" if not all(map(math.isfinite, weights)) else
                "with max_norm = inf nothing is clipped: gradients whose norm is below max_norm stay "
                "unchanged")
        raise CheckFailed(f"{what}: expected the weights of one unclipped SGD step, got weights up to "
                          f"{difference:.3g} away (at most {tolerance:.3g} allowed). Likely cause: {hint}.")


RUN_GROUPS = 2      # run_setup's AdamW: the matrices, with weight decay; the rest, without


def _judge_run(record):
    """The real run: the student's train_step and the reference step train the tiny GPT identically."""
    w, d, n, low = GPT_RUN_SCHEDULE
    lrs_text = ", ".join(f"{lr:g}" for lr in GPT_RUN_GROUP_LRS)
    run = (f"a {GPT_RUN_STEPS}-step AdamW run of the tiny GPT (groups with lr [{lrs_text}], factor: warmup {w} "
           f"steps, stable, cosine over the last {d} to {low:g}; max_norm={GPT_RUN_MAX_NORM:g})")
    returns, lrs = [], []
    for t in range(GPT_RUN_STEPS):      # every call's outcome first, as the run met them
        returns.append(_pair(record, f"run {t}", f"train_step at update {t} of {run}"))
        lrs.append(_group_lrs(record, f"run {t}: lrs", f"the param group lrs after update {t}"))
    losses, norms, weights = reference_run()
    for t, factor in enumerate(run_factors()):
        earlier = ("the update before changed the weights differently from the reference: train_step must "
                   "clip and then call optimizer.step() once, and change the weights no other way" if t else
                   "train_step must work the same with any optimizer and keep no state between calls")
        for name, got, expected in (("loss", returns[t][0], losses[t]), ("gradient norm", returns[t][1], norms[t])):
            if not close(got, expected, GPT_RTOL):
                shown = "expected {}, got {}".format(*fmt_pair(expected, got))
                raise CheckFailed(f"in {run}, the {name} at update {t}: {shown}. Likely cause: {earlier}.")
        _require_group_lrs(record, f"run {t}: lrs", f"update {t} (lr_factor={factor:.6g}) of {run}",
                           tuple(lr * factor for lr in GPT_RUN_GROUP_LRS))
    student = recorded_weights(record, "run: weights", f"the weights after {run}")
    require_same_weights(student, weights,
                         f"after {run}, the weights: expected those of the same run with the reference "
                         f"train_step", "the last update changed the weights differently; call "
                         "optimizer.step() once, after clipping, and change the weights no other way",
                         rtol=GPT_RTOL)


def gpt_step_train(record):
    """fn(model, optimizer, inputs, targets, lr_factor, max_norm) -> (loss, grad_norm) on a tiny GPT:
    one clipped SGD step with stale gradients and two param groups, the same step on an optimizer a
    scheduler already ran, max_norm = inf, then a real AdamW run with a warmup-stable-cosine factor that
    matches the reference step for step."""
    _judge_one_step(record)
    _judge_resumed(record)
    _judge_no_clipping(record)
    _judge_run(record)
