"""Judges for notebook 03's exercise: the warmup + cosine schedule and a tiny GPT's training step.

The spec's schedule and training step live here, with the mistakes students make; each judge
recomputes them on the CPU from the probe's inputs (autograder/exercises/gpt_step/probe.py) and compares the
student's outputs in the record with them. A wrong answer is explained by the mistake it matches.
"""
import functools
import math

import torch

from autograder.exercises.judging import (SEE_TRACEBACK, CheckFailed, clip_in_place, close, floats, fmt,
                                         fmt_pair, global_norm, loss_and_norm, max_difference, near,
                                         recorded_lrs, recorded_weights, require_close, require_same_weights)
from autograder.exercises.probing import flat, one_thread
from autograder.exercises.gpt_step.probe import (GPT_BATCH, GPT_CONTEXT, GPT_RUN_MAX_NORM, GPT_RUN_SCHEDULE,
                                       GPT_RUN_STEPS, SCHEDULE_CASES, STEP_GROUP_LRS, STEP_LR,
                                       STEP_MAX_NORM, run_setup, schedule_key, schedule_steps, sgd_setup)

# An lr is one formula of a few operations: computed in float32 it is within 1e-6 (relative) of
# the float64 closed form, worst at the end of a decay to min_lr = 0; every known mistake is off
# by more than 0.1 somewhere.
LR_RTOL, LR_ATOL = 1e-5, 1e-12
# A training step sums thousands of float32 products, in another order on a GPU than on the CPU,
# and AdamW carries such rounding on through 20 updates: the whole run in float32 ends 2.5e-7
# (relative) from the same run in float64, and correct answers in other arithmetic within 3e-7 of
# the reference. Every known mistake moves the weights or the returns by over 1e-3, so the
# tolerance sits 50 times from both (tests/test_checks_lm_step.py keeps it so).
GPT_RTOL = 2e-5

# ----------------------------------------------------------------------------------------------
# gpt_step_schedule

WARMUP_FORMULA = "peak_lr * (step + 1) / warmup_steps while step < warmup_steps"
COSINE_FORMULA = ("min_lr + 0.5 * (peak_lr - min_lr) * (1 + cos(pi * progress)) with progress = "
                  "(step - warmup_steps) / (total_steps - warmup_steps)")
NO_WARMUP_HINT = ("warmup_steps = 0 means no warmup, so never divide by warmup_steps then (only "
                  "while step < warmup_steps)")


def warmup_cosine(step, peak_lr, warmup_steps, total_steps, min_lr):
    """The lr at update `step` (0-based): linear warmup to peak_lr, then cosine decay to min_lr."""
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + 0.5 * (peak_lr - min_lr) * (1 + math.cos(math.pi * progress))


def warmup_cosine_table(peak_lr, warmup_steps, total_steps, min_lr):
    """The (step, expected lr) pairs judged for one case, in the order the probe asks them."""
    return [(t, warmup_cosine(t, peak_lr, warmup_steps, total_steps, min_lr))
            for t in schedule_steps(warmup_steps, total_steps)]


def _schedule_settings(case):
    peak, w, n, low = case
    return f"peak_lr={peak:g}, warmup_steps={w}, total_steps={n}, min_lr={low:g}"


def _schedule_parts(peak, w, n, low):
    """The pieces the wrong schedules are built from: (cosine, warm, decay, piecewise)."""
    def cosine(progress, bottom=low, half=0.5, top=peak, turn=math.pi):
        return bottom + half * (top - bottom) * (1 + math.cos(turn * progress))

    def warm(t):
        return peak * (t + 1) / w

    def decay(t):
        return cosine((t - w) / (n - w))

    def piecewise(warmup, after, edge=w):
        return lambda t: warmup(t) if t < edge else after(t)

    return cosine, warm, decay, piecewise


def schedule_mistakes(peak, w, n, low):
    """(likely cause, wrong formula) for what students hand in, given one case's settings."""
    return _warmup_mistakes(peak, w, n, low) + _decay_mistakes(peak, w, n, low)


def _warmup_mistakes(peak, w, n, low):
    cosine, warm, decay, piecewise = _schedule_parts(peak, w, n, low)
    zero_start = ("the warmup starts at lr 0 (step / warmup_steps, the convention of Hugging Face); this "
                  "series' warmup trains at step 0: use peak_lr * (step + 1) / warmup_steps (see notebook 01)")
    return [
        (zero_start, piecewise(lambda t: peak * t / w, decay)),
        (zero_start, piecewise(lambda t: peak * t / (w - 1), decay)),
        ("the warmup divides by warmup_steps + 1 (nanoGPT's convention), so it ends at "
         "warmup_steps / (warmup_steps + 1) of peak_lr and peak_lr comes only at step == warmup_steps; this "
         "series' warmup reaches peak_lr at step warmup_steps - 1: "
         "peak_lr * (step + 1) / warmup_steps", piecewise(lambda t: peak * (t + 1) / (w + 1), decay)),
        ("the warmup branch also takes step == warmup_steps (<= instead of <); the decay starts there",
         piecewise(warm, decay, w + 1)),
        ("the warmup ramps up from min_lr; it ramps from 0: peak_lr * (step + 1) / warmup_steps",
         piecewise(lambda t: low + (peak - low) * (t + 1) / w, decay)),
        ("integer division (//) in the warmup; use true division",
         piecewise(lambda t: peak * ((t + 1) // w), decay)),
        ("no warmup: the cosine starts at step 0; during the first warmup_steps steps the lr is "
         "peak_lr * (step + 1) / warmup_steps", lambda t: cosine(t / n)),
    ]


def _decay_mistakes(peak, w, n, low):
    cosine, warm, decay, piecewise = _schedule_parts(peak, w, n, low)
    return [
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


def _recorded_lr(record, key):
    """The lr recorded under `key` as a float; None when the call failed or gave no number."""
    try:
        return record.number(key, "")
    except CheckFailed:
        return None


def _explain_schedule(record, index, step):
    """The likely cause of a wrong lr at `step`: the mistake that gives every lr of the case."""
    peak, w, n, low = case = SCHEDULE_CASES[index]
    steps = schedule_steps(w, n)
    values = [_recorded_lr(record, schedule_key(index, t)) for t in steps]
    if all(v is not None for v in values):
        for hint, wrong in schedule_mistakes(*case):
            try:
                if all(close(v, wrong(t), LR_RTOL, LR_ATOL) for t, v in zip(steps, values)):
                    return hint
            except (ArithmeticError, TypeError, ValueError):      # e.g. a division by warmup_steps 0
                continue
    if step < w:
        return f"during the warmup the lr is {WARMUP_FORMULA}"
    if w == 0:
        return f"warmup_steps = 0 means no warmup: the cosine starts at step 0, {COSINE_FORMULA}"
    return f"from step warmup_steps on the lr is {COSINE_FORMULA}"


def gpt_step_schedule(record):
    """fn(step, peak_lr, warmup_steps, total_steps, min_lr): linear warmup, then cosine decay."""
    for index, case in enumerate(SCHEDULE_CASES):
        peak, w, n, low = case
        hint = NO_WARMUP_HINT if w == 0 else SEE_TRACEBACK
        for step, expected in warmup_cosine_table(*case):
            what = f"warmup_cosine_lr(step={step}, {_schedule_settings(case)})"
            got = record.number(schedule_key(index, step), what, hint)
            if not close(got, expected, LR_RTOL, LR_ATOL):
                cause = hint if w == 0 and not math.isfinite(got) else _explain_schedule(record, index, step)
                raise CheckFailed("{}: expected {}, got {}. Likely cause: {}.".format(
                    what, *fmt_pair(expected, got), cause))


# ----------------------------------------------------------------------------------------------
# gpt_step_train: the reference step and its mistakes

def reference_step(model, optimizer, inputs, targets, lr, max_norm, zero=True, clip="before",
                   set_lr="before", steps=1):
    """One training step as the spec says (the defaults), or with one named mistake.

    zero: clear old gradients first. clip: "before" the step (by the global norm), "after" it,
    "none", "value" (clip_grad_value_), "each" (every parameter on its own). set_lr: "before" the
    step on every group, "first" group only, "after" the step, "never". steps: how many
    optimizer.step() calls. Returns (loss, norm before clipping) as floats. The clipping is
    spelled out, so that the mistakes can vary it.
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
        for group in optimizer.param_groups:
            group["lr"] = lr
    return value.item(), norm.item()


# (likely cause, options of reference_step): train_step mistakes that change the weights.
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


@functools.lru_cache(maxsize=None)
def sgd_step(max_norm, **mistake):
    """One reference SGD step on the probe's one-step setup, on the CPU: (loss, norm, weights after,
    gradients after), with one of STEP_MISTAKES' options if given."""
    with one_thread():
        model, optimizer, inputs, targets = sgd_setup(device="cpu")
        loss, norm = reference_step(model, optimizer, inputs, targets, STEP_LR, max_norm, **mistake)
        return loss, norm, floats(model.parameters()), floats(p.grad for p in model.parameters())


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
        facts["loss"], facts["norm"], facts["weights"], _ = sgd_step(max_norm)
        model, optimizer, inputs, targets = sgd_setup(device="cpu")
        reference_step(model, optimizer, inputs, targets, STEP_LR, max_norm)
        with torch.no_grad():
            facts["loss after"] = ce(model(inputs).flatten(0, 1), targets.flatten()).item()
    return facts


def run_lrs():
    """The lr of each update of the GPT run: GPT_RUN_SCHEDULE's warmup + cosine."""
    return [warmup_cosine(t, *GPT_RUN_SCHEDULE) for t in range(GPT_RUN_STEPS)]


@functools.lru_cache(maxsize=None)
def reference_run(**mistake):
    """The GPT run with the reference step on the CPU: (losses, norms, final weights)."""
    with one_thread():
        model, optimizer, batches = run_setup(device="cpu")
        losses, norms = [], []
        for (inputs, targets), lr in zip(batches, run_lrs()):
            loss, norm = reference_step(model, optimizer, inputs, targets, lr, GPT_RUN_MAX_NORM, **mistake)
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


def _loss_hint(got, facts):
    expected = facts["loss"]
    if near(got, facts["norm"]):
        return "the pair is swapped; return (loss, grad_norm)"
    if near(got, facts["sum"]):
        return "the loss is summed over positions; take the mean over all batch x context positions"
    if near(got, expected * GPT_CONTEXT) or near(got, expected * GPT_BATCH):
        return "the loss is summed over one dimension; take the mean over all batch x context positions"
    if near(got, facts["loss after"]):
        return ("the loss was measured after optimizer.step(); return the loss of the forward pass "
                "before the update")
    if near(got, facts["last"]):
        return "only the last position counts; average the cross-entropy over every position"
    if near(got, facts["shifted"]):
        return ("the targets were shifted again; they are already the next characters, so compare "
                "logits and targets position by position")
    return "the loss is the mean cross-entropy of model(inputs) against targets, before the update"


def _norm_hint(got, facts, max_norm):
    norm = facts["norm"]
    if near(got, max_norm):
        return ("the norm was measured after clipping (it equals max_norm); return the norm before "
                "clipping, which clip_grad_norm_ returns")
    if near(got, facts["with stale"]):
        return "old gradients were not cleared; call optimizer.zero_grad() before loss.backward()"
    if near(got, facts["loss"]):
        return "the pair is swapped; return (loss, grad_norm)"
    if near(got, norm * norm):
        return "the square root is missing; the global norm is sqrt(sum of all squared gradient elements)"
    if near(got, sum(facts["each"])):
        return "the per-parameter norms were added; the global norm is sqrt(sum of their squares)"
    if any(near(got, x) for x in facts["each"]) or any(near(got, x) for x in facts["groups"]):
        return "the norm of some gradients only; the global norm covers every parameter's gradient together"
    if near(got, facts["largest"]):
        return "the largest gradient element (the inf-norm); the global norm is the L2 norm of all gradients"
    if got == 0:
        return "the gradients were cleared after loss.backward(); clear them before it"
    return "return the L2 norm of all gradients, measured after backward and before clipping"


def _weights_hint(student, student_grads, max_norm, tolerance):
    """The likely cause of wrong weights after one SGD step: the mistake whose step gives them."""
    if max_difference(student, initial_sgd_weights()) <= tolerance:
        return ("the weights did not change; call optimizer.step() once, after clipping, and do not clear "
                "the gradients between loss.backward() and the step")
    for hint, mistake in STEP_MISTAKES:
        _, _, weights, grads = sgd_step(max_norm, **mistake)
        if max_difference(student, weights) <= tolerance:
            if mistake.get("clip") == "after" and student_grads is not None and \
                    not max_difference(student_grads, grads) <= tolerance:
                continue        # the gradients say: not clipped at all
            return hint
    return ("train_step must set the lr on every group, clear the gradients, backpropagate the mean "
            "cross-entropy, clip the global norm and call optimizer.step() once, in that order")


def _group_lr_hint(got, before, lr):
    if close(got[0], lr, LR_RTOL) and all(close(x, y, LR_RTOL) for x, y in zip(got[1:], before[1:])):
        return "the lr was set on the first param group only; loop over all optimizer.param_groups"
    if all(close(x, y, LR_RTOL) for x, y in zip(got, before)):
        return "the lr was never written into the optimizer; set group['lr'] = lr for every param group"
    return "set group['lr'] = lr (the argument itself) for every group in optimizer.param_groups"


def weights_tolerance(reference):
    return GPT_RTOL * (1 + max((abs(x) for x in reference), default=0.0))


def _shown(values, expected):
    return ", ".join(fmt_pair(expected, x)[1] for x in values)


# ----------------------------------------------------------------------------------------------
# gpt_step_train: the judge

def _judge_one_step(record):
    """One SGD step with stale gradients, two param groups and active clipping, against the spec."""
    max_norm = STEP_MAX_NORM
    what = (f"train_step(model, optimizer, inputs, targets, lr={STEP_LR:g}, max_norm={max_norm:g}) on the "
            f"tiny GPT with SGD")
    loss, norm = _pair(record, "one step", what)
    facts = step_facts(max_norm)
    require_close(what, "the loss (before the update)", loss, facts["loss"], GPT_RTOL,
                  lambda: _loss_hint(loss, facts))
    require_close(what, "the gradient norm before clipping", norm, facts["norm"], GPT_RTOL,
                  lambda: _norm_hint(norm, facts, max_norm))
    lrs = _group_lrs(record, "one step: lrs", f"the param group lr after {what}")
    if len(lrs) != len(STEP_GROUP_LRS) or not all(close(x, STEP_LR, LR_RTOL, LR_ATOL) for x in lrs):
        hint = (_group_lr_hint(lrs, STEP_GROUP_LRS, STEP_LR) if len(lrs) == len(STEP_GROUP_LRS) else
                "the answer cell interferes with the tests")
        raise CheckFailed(f"{what}: expected lr {fmt(STEP_LR)} in both param groups afterwards, got "
                          f"[{_shown(lrs, STEP_LR)}]. Likely cause: {hint}.")
    weights = recorded_weights(record, "one step: weights", f"the weights after {what}")
    tolerance = weights_tolerance(facts["weights"])
    difference = max_difference(weights, facts["weights"])
    if not difference <= tolerance:
        grads = recorded_weights(record, "one step: grads", f"the gradients after {what}", optional=True)
        raise CheckFailed(f"{what}: expected the weights of one SGD step with the clipped gradients, got weights "
                          f"up to {difference:.3g} away (at most {tolerance:.3g} allowed). Likely cause: "
                          f"{_weights_hint(weights, grads, max_norm, tolerance)}.")


def _judge_no_clipping(record):
    """max_norm = inf clips nothing, and the norm returned is still the (finite) gradient norm."""
    what = "train_step(..., max_norm=math.inf) on the tiny GPT with SGD"
    _, norm = _pair(record, "no clipping", what)
    _, expected, expected_weights, _ = sgd_step(math.inf)
    if not close(norm, expected, GPT_RTOL):
        hint = ("max_norm was returned instead of the gradient norm measured before clipping"
                if norm == math.inf else "return the L2 norm of all gradients, measured before clipping")
        shown = "expected the gradient norm {}, got {}".format(*fmt_pair(expected, norm))
        raise CheckFailed(f"{what}: {shown}. Likely cause: {hint}.")
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
    peak, w, n, low = GPT_RUN_SCHEDULE
    run = (f"a {GPT_RUN_STEPS}-step AdamW run of the tiny GPT (warmup {w} steps to {peak:g}, cosine to "
           f"{low:g}, max_norm={GPT_RUN_MAX_NORM:g})")
    returns, lrs = [], []
    for t in range(GPT_RUN_STEPS):      # every call's outcome first, as the run met them
        returns.append(_pair(record, f"run {t}", f"train_step at update {t} of {run}"))
        lrs.append(_group_lrs(record, f"run {t}: lrs", f"the param group lr after update {t}"))
    losses, norms, weights = reference_run()
    for t, lr in enumerate(run_lrs()):
        earlier = ("the update before changed the weights differently from the reference: train_step must "
                   "clip and then call optimizer.step() once, and change the weights no other way" if t else
                   "train_step must work the same with any optimizer and keep no state between calls")
        for name, got, expected in (("loss", returns[t][0], losses[t]), ("gradient norm", returns[t][1], norms[t])):
            if not close(got, expected, GPT_RTOL):
                shown = "expected {}, got {}".format(*fmt_pair(expected, got))
                raise CheckFailed(f"in {run}, the {name} at update {t}: {shown}. Likely cause: {earlier}.")
        if len(lrs[t]) != RUN_GROUPS or not all(close(x, lr, LR_RTOL, LR_ATOL) for x in lrs[t]):
            raise CheckFailed(f"in {run}, the lr after update {t}: expected {fmt(lr)} in every param group, "
                              f"got {_shown(lrs[t], lr) or 'none'}. Likely cause: set group['lr'] = lr for "
                              f"every param group at every call.")
    student = recorded_weights(record, "run: weights", f"the weights after {run}")
    require_same_weights(student, weights,
                         f"after {run}, the weights: expected those of the same run with the reference "
                         f"train_step", "the last update changed the weights differently; call "
                         "optimizer.step() once, after clipping, and change the weights no other way",
                         rtol=GPT_RTOL)


def gpt_step_train(record):
    """fn(model, optimizer, inputs, targets, lr, max_norm) -> (loss, grad_norm) on a tiny GPT: one
    clipped SGD step with stale gradients and two param groups, max_norm = inf, then a real AdamW
    run with a warmup + cosine schedule that matches the reference step for step."""
    _judge_one_step(record)
    _judge_no_clipping(record)
    _judge_run(record)
