"""Judges for notebook 04's exercise: one update with gradient accumulation, a GradScaler and
global-norm clipping, train_step(model, optimizer, scaler, micro_batches, max_norm) -> (loss, norm).

amp_step_accumulation compares the updates train_step made with a disabled scaler against the spec's
update, recomputed here on the CPU from the probe's inputs (autograder/exercises/amp_step/probe.py); a wrong
update is explained by the known mistake that gives the same weights. amp_step_scaler compares
each update made with an enabled scaler against the same update made by the same train_step
without one (both in the record): a scaler must change nothing but skip updates whose gradients
overflow, and its scale must move as GradScaler's rules say, computed here; with a disabled scaler
(bfloat16, float32) train_step must skip an update whose gradient norm is not finite itself.
"""
import functools
import math

import torch
import torch.nn.functional as F

from autograder.exercises.judging import (SEE_TRACEBACK, CheckFailed, Misconception, clip_in_place, close,
                                         failure, floats, fmt_pair, global_norm, loss_and_norm, max_difference,
                                         near, recorded_weights, require_close)
from autograder.exercises.judging import diagnose as single_cause
from autograder.exercises.amp_step import probe as probe
from autograder.exercises.probing import one_thread

CPU = torch.device("cpu")
# One update of the probe's 452-parameter model sums a few hundred float32 products, in another
# order on a GPU than on the CPU, and AdamW carries that rounding through 6 updates: correct
# answers in float32 end within 1e-6 (relative) of the float64 update, while every known mistake
# moves the weights or the returns by more than 1e-3 (tests/test_checks_amp_step.py keeps both so).
RTOL = 2e-5
ORDER = ("optimizer.zero_grad() once; for each micro-batch scaler.scale(loss / k).backward(); then "
         "scaler.unscale_(optimizer), clip_grad_norm_, scaler.step(optimizer), scaler.update()")


# ----------------------------------------------------------------------------------------------
# The reference update and its mistakes

def _clip(params, max_norm, how="norm"):
    """Clip the gradients of `params` in place ("norm": their global norm, as clip_grad_norm_;
    "value": each element to [-max_norm, max_norm]; "param": each parameter's norm on its own),
    spelled out so the mistakes can vary it; returns the global norm before clipping."""
    grads = [p.grad for p in params if p.grad is not None]
    with torch.no_grad():
        norm = global_norm(grads)
        clip_in_place(grads, max_norm, how, norm)
    return norm.item()


def reference_update(model, optimizer, batches, max_norm, divide="k", zero="start", clip="once", step="once"):
    """One update from the micro-batches `batches` as the spec says (the defaults), or with one
    named mistake; returns (loss, norm before clipping) as the spec defines them.

    divide: each micro-batch's loss divided by "k" (their number), "none", or "size" (the number
    of samples in it). zero: clear old gradients at the "start", "inside" the loop (before each
    micro-batch) or "never". clip: "once" after the last micro-batch, "each" (the running sum after
    every micro-batch), "after" the step, "none", "value" (clip_grad_value_), "param" (each
    parameter on its own). step: "once", "each" (clip and step after every micro-batch), "twice".
    """
    params = list(model.parameters())
    k = len(batches)
    if zero == "start":
        optimizer.zero_grad()
    losses, norm = [], None
    for inputs, targets in batches:
        if zero == "inside":
            optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), targets)
        losses.append(loss.item())
        (loss / {"k": k, "none": 1, "size": len(inputs)}[divide]).backward()
        if step == "each":
            norm = _clip(params, max_norm)
            optimizer.step()
        elif clip == "each":
            norm = _clip(params, max_norm)
    if step != "each":
        if clip in ("once", "value", "param"):
            norm = _clip(params, max_norm, {"once": "norm"}.get(clip, clip))
        elif clip == "none":
            norm = global_norm([p.grad for p in params]).item()
        optimizer.step()
        if step == "twice":
            optimizer.step()
        if clip == "after":
            norm = _clip(params, max_norm)
    return sum(losses) / k, norm


# (likely cause, options of reference_update): mistakes that change the weights of an update.
MISTAKES = (
    ("the loss of each micro-batch was not divided by the number of micro-batches, so the accumulated "
     "gradient is k times that of the whole batch; backpropagate loss / len(micro_batches)", {"divide": "none"}),
    ("each micro-batch's loss was divided by its number of samples; F.cross_entropy already averages over "
     "them, so divide by the number of micro-batches", {"divide": "size"}),
    ("the gradients were cleared inside the micro-batch loop, so only the last micro-batch counts; call "
     "optimizer.zero_grad() once, before the loop", {"zero": "inside"}),
    ("old gradients were not cleared; call optimizer.zero_grad() once, before the first micro-batch",
     {"zero": "never"}),
    ("the gradients were clipped after every micro-batch; clip once, after the last micro-batch, so that "
     "max_norm bounds the gradient of the whole batch", {"clip": "each"}),
    ("optimizer.step() (scaler.step) ran after every micro-batch, making k updates; accumulate all "
     "micro-batches, then step once", {"step": "each"}),
    ("optimizer.step() (scaler.step) ran after every micro-batch, with the gradients cleared before each, "
     "making k small updates; accumulate all micro-batches, then step once", {"step": "each", "zero": "inside"}),
    ("the optimizer stepped twice (scaler.step(optimizer) already calls optimizer.step()); step once",
     {"step": "twice"}),
    ("clipping after the step does not change this update; clip between the last backward and the step",
     {"clip": "after"}),
    ("the gradients were not clipped; call clip_grad_norm_(model.parameters(), max_norm) after "
     "scaler.unscale_(optimizer)", {"clip": "none"}),
    ("clip_grad_value_ clips each element; clip the global norm with clip_grad_norm_", {"clip": "value"}),
    ("each parameter was clipped to max_norm on its own; clip the norm of all gradients together",
     {"clip": "param"}),
)


@functools.lru_cache(maxsize=None)
def one_update(case, **mistake):
    """The reference (or mistaken) update of one of the probe's SGD cases on the CPU: (loss, norm,
    weights after, gradients after)."""
    seed, k, lr, loud, max_norm = CASES[case]
    with one_thread():
        model, optimizer, batches = probe.sgd_setup(seed, k, lr, loud, device=CPU)
        loss, norm = reference_update(model, optimizer, batches, max_norm, **mistake)
        grads = None if any(p.grad is None for p in model.parameters()) else floats(p.grad for p in model.parameters())
        return loss, norm, floats(model.parameters()), grads


CASES = {   # the probe's SGD cases: (seed, k, lr, loud micro-batches, max_norm)
    "clipped": (probe.CLIPPED_SEED, probe.CLIPPED_K, probe.CLIPPED_LR, probe.CLIPPED_LOUD, probe.CLIPPED_MAX_NORM),
    "unclipped": (probe.UNCLIPPED_SEED, probe.UNCLIPPED_K, probe.UNCLIPPED_LR, (), math.inf),
    "scaled": (probe.SCALED_SEED, probe.SCALED_K, probe.SCALED_LR, (), probe.SCALED_MAX_NORM),
}


@functools.lru_cache(maxsize=None)
def initial_weights(seed):
    return floats(probe.probe_net(seed, CPU).parameters())


@functools.lru_cache(maxsize=None)
def update_facts(case):
    """The right returns of one SGD case, and wrong values a mistaken answer returns instead."""
    seed, k, lr, loud, max_norm = CASES[case]
    with one_thread():
        model, _, batches = probe.sgd_setup(seed, k, lr, loud, device=CPU)
        stale = [p.grad.clone() for p in model.parameters()]
        model.zero_grad()
        losses, parts = [], []
        for inputs, targets in batches:
            model.zero_grad()
            loss = F.cross_entropy(model(inputs), targets)
            losses.append(loss.item())
            (loss / k).backward()
            parts.append([p.grad.clone() for p in model.parameters()])
        total = [sum(grads) for grads in zip(*parts)]
        with torch.no_grad():
            facts = {"sum": sum(losses), "last": losses[-1], "first": losses[0],
                     "with stale": global_norm([g + s for g, s in zip(total, stale)]).item(),
                     "last part": global_norm(parts[-1]).item(), "first part": global_norm(parts[0]).item()}
    facts["loss"], facts["norm"], facts["weights"], _ = one_update(case)
    facts["k"] = k
    return facts


@functools.lru_cache(maxsize=None)
def reference_run(**mistake):
    """The probe's AdamW run with the reference update on the CPU: (losses, norms, final weights)."""
    with one_thread():
        model, optimizer, updates = probe.run_setup(probe.RUN_SEED, probe.RUN_UPDATES, probe.RUN_K, probe.RUN_LR,
                                                    device=CPU)
        losses, norms = [], []
        for batches in updates:
            loss, norm = reference_update(model, optimizer, batches, probe.RUN_MAX_NORM, **mistake)
            losses.append(loss)
            norms.append(norm)
        return tuple(losses), tuple(norms), floats(model.parameters())


def expected_scales():
    """The scale after each update of the scaler's run, by GradScaler's rules: times BACKOFF after an
    update whose gradients overflow, times GROWTH after GROWTH_INTERVAL good updates in a row."""
    scale, good, scales = probe.SCALE, 0, []
    for t in range(probe.SCALED_RUN_UPDATES):
        if t in probe.OVERFLOW_AT:
            scale, good = scale * probe.BACKOFF, 0
        else:
            good += 1
            if good == probe.GROWTH_INTERVAL:
                scale, good = scale * probe.GROWTH, 0
        scales.append(scale)
    return scales


# ----------------------------------------------------------------------------------------------
# Reading the record

def _error_hint(error, first_call=True):
    """A likely cause for an exception raised by train_step, from its text."""
    if "is being called after step()" in error or ("already been called" in error and not first_call):
        return ("scaler.update() was not called at the end of the previous update, so this one cannot start; "
                "end every update with scaler.update(), a skipped one too")
    if "unscale_() has already been called" in error:
        return ("scaler.unscale_(optimizer) ran more than once in one update (inside the micro-batch loop?); "
                "call it once, after the last micro-batch")
    if "step() has already been called" in error:
        return ("scaler.step(optimizer) ran more than once in one update (inside the micro-batch loop?); "
                "step once, after the last micro-batch")
    if "No inf checks were recorded" in error:
        return "scaler.update() ran before scaler.step(optimizer); update comes last"
    if "_scale is None" in error:
        return "the loss was not passed through scaler.scale(...) before backward(); use scaler.scale(loss).backward()"
    if "non-finite" in error and "clipped" in error:
        return ("clip_grad_norm_ raised on an inf gradient, but an update whose gradients hold inf or NaN must be "
                "skipped, not stopped: leave error_if_nonfinite False (with a disabled scaler, skip the step "
                "yourself when the norm is not finite)")
    if "does not require grad" in error or "backward through the graph a second time" in error:
        return "backpropagate each micro-batch's own loss once: scaler.scale(loss / k).backward()"
    return SEE_TRACEBACK


def _pair(record, key, what, first_call=True, finite=True):
    """train_step's (loss, grad_norm) under `key` as two floats; with `finite` False the norm may be
    NaN (an update the scaler skips)."""
    return loss_and_norm(record, key, what, _error_hint(record.failed(key) or "", first_call),
                         "return the mean loss and the norm clip_grad_norm_ returns, as two floats.", finite)


def tolerance(reference):
    return RTOL * (1 + max((abs(x) for x in reference), default=0.0))


# ----------------------------------------------------------------------------------------------
# amp_step_accumulation

PRECISION = ("the result is close to the reference but not equal: was the forward run in lower precision? "
             "train_step must not call torch.autocast itself (the caller decides the precision)")


def _near(got, expected):
    """Within 1% but outside the rounding tolerance: lower-precision arithmetic, as autocast gives."""
    return close(got, expected, 1e-2, 1e-9)


def _loss_hint(got, facts, case):
    last = "only the last micro-batch's loss was returned; return the mean over all micro-batches"
    return _first_near(got, [
        (facts["norm"], "the pair is swapped; return (loss, grad_norm)"),
        (facts["sum"], "the losses of the micro-batches were added up undivided; return the mean, the sum of "
                       "loss.item() / k over the micro-batches"),
        (facts["last"], last),
        (facts["last"] / facts["k"], "only the last micro-batch's (divided) loss was returned; add up "
                                     "loss.item() / k over all micro-batches"),
        (facts["first"], "only the first micro-batch's loss was returned; return the mean over all micro-batches"),
    ]) or _unknown_cause(got, facts["loss"], case, 0,
                         "return the mean cross-entropy over all micro-batches, measured before the update")


def _first_near(got, known):
    """The hint of the first (value, hint) in `known` whose value `got` is near, or None."""
    return next((hint for value, hint in known if near(got, value)), None)


def _unknown_cause(got, right, case, index, otherwise):
    """PRECISION when `got` is nearly right, else the first known mistake returning it, else `otherwise`."""
    if _near(got, right):
        return PRECISION
    return _mistake_returning(case, got, index, right) or otherwise


def _mistake_returning(case, got, index, right):
    """The hint of the first known mistake whose update returns `got` (its loss for index 0, its norm
    for 1) where the right update does not."""
    for hint, mistake in MISTAKES:
        value = one_update(case, **mistake)[index]
        if value is not None and not near(right, value) and near(got, value):
            return hint
    return None


def _norm_hint(got, facts, max_norm, case):
    k = facts["k"]
    last_part = ("the norm of the last micro-batch's gradient alone: clear the gradients once before the loop "
                 "and clip once after it, so that the norm covers the whole accumulated gradient")
    first_part = "the norm of the first micro-batch's gradient alone; clip once, after the last micro-batch"
    return _first_near(got, [
        (max_norm, "the norm was measured after clipping (it equals max_norm); return the norm before clipping, "
                   "which clip_grad_norm_ returns"),
        (k * facts["norm"], "the norm is k times too large: the loss of each micro-batch was not divided by the "
                            "number of micro-batches"),
        (facts["with stale"], "old gradients were not cleared; call optimizer.zero_grad() once, before the first "
                              "micro-batch"),
        (facts["last part"], last_part), (k * facts["last part"], last_part),
        (facts["first part"], first_part), (k * facts["first part"], first_part),
        (facts["loss"], "the pair is swapped; return (loss, grad_norm)"),
    ]) or _unknown_cause(got, facts["norm"], case, 1,
                         "return the global norm of the accumulated gradients, measured after the last "
                         "micro-batch and before clipping")


def diagnose(case, weights, grads, tol):
    """The likely cause of wrong weights after one SGD case: the known mistake whose update gives
    them, or None."""
    seed = CASES[case][0]
    if max_difference(weights, initial_weights(seed)) <= tol:
        return ("the weights did not change; step once through scaler.step(optimizer) after clipping, and do "
                "not clear the gradients between the last backward and the step")
    for hint, mistake in MISTAKES:
        _, _, expected, expected_grads = one_update(case, **mistake)
        if max_difference(weights, expected) <= tol:
            if mistake.get("clip") == "after" and grads is not None and expected_grads is not None and \
                    not max_difference(grads, expected_grads) <= tol:
                continue        # the gradients say: not clipped at all
            return hint
    expected = one_update(case)[2]
    if max_difference(weights, expected) <= 1e-2 * max_difference(expected, initial_weights(seed)):
        return PRECISION        # within 1% of the update itself: rounding of a lower precision, not a mistake
    return None


def _judge_case(record, case, what):
    """One SGD case: the returns and the weights against the reference update. The first wrong one
    is reported, with the mistake the weights point to when they are wrong too."""
    facts = update_facts(case)
    max_norm = CASES[case][4]
    loss, norm = _pair(record, case, what)
    weights = recorded_weights(record, f"{case}: weights", f"the weights after {what}")
    tol = tolerance(facts["weights"])
    difference = max_difference(weights, facts["weights"])
    weights_ok = difference <= tol
    if weights_ok and close(loss, facts["loss"], RTOL) and close(norm, facts["norm"], RTOL):
        return
    cause = None
    if not weights_ok:
        grads = recorded_weights(record, f"{case}: grads", f"the gradients after {what}", optional=True) \
            if record.has(f"{case}: grads") else None
        cause = diagnose(case, weights, grads, tol)
    # Wrong weights that no known mistake explains: the loss and the norm may be off for the same unknown
    # reason, so they get no cause of their own (a guess such as "lower precision" would mislead).
    unexplained = not weights_ok and cause is None
    require_close(what, "the mean loss", loss, facts["loss"], RTOL,
                  lambda: cause or (None if unexplained else _loss_hint(loss, facts, case)))
    require_close(what, "the gradient norm before clipping", norm, facts["norm"], RTOL,
                  lambda: cause or (None if unexplained else _norm_hint(norm, facts, max_norm, case)))
    raise failure(f"{what}: expected the weights of one SGD update with the accumulated, clipped "
                  f"gradient, got weights up to {difference:.3g} away (at most {tol:.3g} allowed)", cause)


def _judge_run(record):
    """The AdamW run: every update's returns, and the final weights, match the reference run."""
    run = (f"a {probe.RUN_UPDATES}-update AdamW run with {probe.RUN_K} micro-batches per update, a disabled "
           f"scaler and max_norm={probe.RUN_MAX_NORM:g}")
    returns = [_pair(record, f"run {t}", f"train_step at update {t} of {run}") for t in range(probe.RUN_UPDATES)]
    losses, norms, weights = reference_run()
    for t in range(probe.RUN_UPDATES):
        earlier = ("the update before changed the weights differently from the reference: " + ORDER if t else
                   "train_step must work the same with any optimizer and keep no state between calls")
        for name, got, expected in (("loss", returns[t][0], losses[t]), ("gradient norm", returns[t][1], norms[t])):
            if not close(got, expected, RTOL):
                shown = "expected {}, got {}".format(*fmt_pair(expected, got))
                raise CheckFailed(f"in {run}, the {name} at update {t}: {shown}. Likely cause: "
                                  f"{PRECISION if _near(got, expected) else earlier}.")
    student = recorded_weights(record, "run: weights", f"the weights after {run}")
    difference, tol = max_difference(student, weights), tolerance(weights)
    if not difference <= tol:
        raise CheckFailed(f"after {run}, the weights: expected those of the reference run, got weights up to "
                          f"{difference:.3g} away (at most {tol:.3g} allowed). Likely cause: the last update "
                          f"changed the weights differently; {ORDER}.")


def amp_step_accumulation(record):
    """train_step with a disabled scaler: one clipped SGD update from 3 micro-batches with stale
    gradients, one unclipped update from 4, and a 6-update AdamW run, each the same as one update
    on all micro-batches together."""
    _judge_case(record, "clipped", f"train_step(..., max_norm={probe.CLIPPED_MAX_NORM:g}) with a disabled scaler, "
                                   f"{probe.CLIPPED_K} micro-batches and SGD")
    _judge_case(record, "unclipped", f"train_step(..., max_norm=math.inf) with a disabled scaler, "
                                     f"{probe.UNCLIPPED_K} micro-batches and SGD")
    _judge_run(record)


# ----------------------------------------------------------------------------------------------
# amp_step_scaler

SCALED = f"GradScaler(init_scale={probe.SCALE:g})"
UNSCALE_FIRST = "call scaler.unscale_(optimizer) after the last micro-batch, before clip_grad_norm_"
TWICE = ("the optimizer got gradients still divided by the scale: unscaled twice (by hand, or by "
         "scaler.update() before scaler.step(), which then unscales again) or clipped while scaled; unscale once "
         "with scaler.unscale_(optimizer) before clip_grad_norm_, then scaler.step(optimizer), then scaler.update()")


@functools.lru_cache(maxsize=None)
def reference_plain_run():
    """The scaler's run on the CPU with the reference update and without the overflowing updates:
    the weights after each update (None for the updates left out)."""
    with one_thread():
        model, optimizer, updates = probe.run_setup(probe.SCALED_RUN_SEED, probe.SCALED_RUN_UPDATES,
                                                    probe.SCALED_RUN_K, probe.SCALED_RUN_LR, device=CPU)
        weights = []
        for t, batches in enumerate(updates):
            if t in probe.OVERFLOW_AT:
                weights.append(None)
                continue
            reference_update(model, optimizer, batches, probe.SCALED_RUN_MAX_NORM)
            weights.append(floats(model.parameters()))
        return tuple(weights)


def _plain_is_wrong(plain, reference, tol, cause=None):
    """A hint when the update without a scaler is itself wrong (the scaler then changes it too)."""
    if reference is None or max_difference(plain, reference) <= tol:
        return None
    return ("the update is already wrong without a scaler (the accumulation test names the mistake)" +
            (f": {cause}" if cause else f"; {ORDER}"))


def _scaled_hint(got, plain, what_of, fallback=None):
    """Why a value returned with the enabled scaler differs from the same value without it."""
    scale = probe.SCALE
    if near(got, plain * scale):
        if what_of == "loss":
            return "the scaled loss was returned; return the loss itself, not scaler.scale(loss)"
        return (f"the norm was measured on the scaled gradients, {scale:g} times the true ones; {UNSCALE_FIRST}, "
                f"and return the norm clip_grad_norm_ measures then")
    if what_of == "norm" and abs(got) > 100 * abs(plain):
        return (f"the norm was measured on the scaled gradients (up to {scale:g} times the true ones): clipping "
                f"them, or measuring them, before scaler.unscale_; {UNSCALE_FIRST}")
    if what_of == "norm" and near(got, plain / scale):
        return TWICE
    return fallback or f"with an enabled scaler every value must equal the one without it: {ORDER}"


def _update_hint(student, plain, initial, tol):
    """Why an update made with the enabled scaler differs from the same update without it."""
    if not all(map(math.isfinite, student)):
        return "the weights became inf or NaN; step through scaler.step(optimizer), which skips such updates"
    moved = max_difference(student, initial)
    wanted = max_difference(plain, initial)
    if moved < wanted / 100:
        return f"the update was {moved / wanted:.2g} times the one without a scaler: {TWICE}"
    return f"with an enabled scaler the update must equal the one without it: {ORDER}"


def _judge_scaled_step(record):
    """One clipped SGD update with an enabled scaler equals the same update with a disabled one."""
    common = (f"{probe.SCALED_K} micro-batches, SGD and max_norm={probe.SCALED_MAX_NORM:g} (clipping acts)")
    plain_what = f"train_step with a disabled scaler, {common}"
    what = f"train_step with {SCALED}, {common}"
    plain_loss, plain_norm = _pair(record, "plain step", plain_what)
    plain = recorded_weights(record, "plain step: weights", f"the weights after {plain_what}")
    initial = initial_weights(probe.SCALED_SEED)
    tol = tolerance(initial)
    if max_difference(plain, initial) <= tol:
        raise CheckFailed(f"{plain_what}: expected the weights to change, got them unchanged. Likely cause: step "
                          f"through scaler.step(optimizer), which calls optimizer.step() when the scaler is disabled.")
    wrong = _plain_is_wrong(plain, one_update("scaled")[2], tol, diagnose("scaled", plain, None, tol))
    loss, norm = _pair(record, "scaled step", what)
    _require_as_unscaled(what, (loss, norm), (plain_loss, plain_norm), wrong, "the gradient norm before clipping")
    weights = recorded_weights(record, "scaled step: weights", f"the weights after {what}")
    difference = max_difference(weights, plain)
    if not difference <= tol:
        raise CheckFailed(f"{what}: expected the same weights as without a scaler, got weights up to "
                          f"{difference:.3g} away (at most {tol:.3g} allowed). Likely cause: "
                          f"{wrong or _update_hint(weights, plain, initial, tol)}.")
    scale = record.number("scaled step: scale", f"the scale after {what}")
    if scale != probe.SCALE:
        raise CheckFailed(f"{what}: expected the scale to stay {probe.SCALE:g} after one good update (it grows "
                          f"after {probe.GROWTH_INTERVAL}), got {scale:g}. Likely cause: call scaler.update() "
                          f"once per update, after scaler.step(optimizer).")


def _require_as_unscaled(what, got, plain, wrong, norm_label):
    """The (loss, norm) an update returned with a scaler equal those of the same update without one."""
    for name, label, value, expected in zip(("loss", "norm"), ("the loss", norm_label), got, plain):
        if not close(value, expected, RTOL):
            shown = "expected {}, got {}".format(*fmt_pair(expected, value))
            raise CheckFailed(f"{what}: {label} must be the same as without a scaler, {shown}. Likely cause: "
                              f"{_scaled_hint(value, expected, name, wrong)}.")


def _require_skipped(what, norm, weights, previous, tol, wrong):
    """An overflowing update: a non-finite norm returned, the weights left as they were."""
    if math.isfinite(norm):
        hint = wrong or ("return the norm clip_grad_norm_ measures on the unscaled gradients; it is how the "
                         "caller sees that the scaler skipped the update")
        raise CheckFailed(f"at {what}: expected a non-finite gradient norm (inf or nan), got {norm:.6g}. "
                          f"Likely cause: {hint}.")
    difference = max_difference(weights, previous)
    if not difference <= tol:
        got = "inf or NaN weights" if not all(map(math.isfinite, weights)) else \
            f"weights up to {difference:.3g} away"
        raise CheckFailed(f"at {what}: expected the weights unchanged (the scaler skips the update), got "
                          f"{got}. Likely cause: step through scaler.step(optimizer), which skips updates "
                          f"whose gradients hold inf or NaN (optimizer.step() does not), and never step the "
                          f"optimizer yourself.")


# Why an overflowing update with a disabled scaler was not skipped: each entry's `fits` reads the
# evidence of _require_plain_skipped (the norm returned, whether the weights moved, whether they
# became inf or NaN); a cause is given only when exactly one fits.
PLAIN_SKIP_CATALOGUE = (
    Misconception("with a disabled scaler, scaler.step(optimizer) is plain optimizer.step() and checks nothing, so "
                  "the step ran on inf and NaN gradients; skip the step yourself when the norm clip_grad_norm_ "
                  "returns is not finite", lambda e: e["non-finite weights"] and not e["finite norm"]),
)


def _require_plain_skipped(record, t, previous, tol):
    """An overflowing update with a disabled scaler: train_step itself must skip it (a non-finite
    norm returned, the weights left as they were)."""
    what = (f"update {t} of the same run with a disabled scaler, whose gradient holds an inf (what bfloat16 or "
            f"float32 training meets without a scaler)")
    _, norm = _pair(record, f"plain run {t}", f"train_step at {what}", first_call=False, finite=False)
    weights = recorded_weights(record, f"plain run {t}: weights", f"the weights after {what}")
    difference = max_difference(weights, previous)
    evidence = {"finite norm": math.isfinite(norm), "moved": not difference <= tol,
                "non-finite weights": not all(map(math.isfinite, weights))}
    if evidence["finite norm"]:
        raise CheckFailed(f"at {what}: expected the non-finite gradient norm (inf or nan) clip_grad_norm_ measures, "
                          f"got {norm:.6g}.")
    if evidence["moved"]:
        got = "inf or NaN weights" if evidence["non-finite weights"] else f"weights up to {difference:.3g} away"
        cause = single_cause(PLAIN_SKIP_CATALOGUE, evidence)
        raise failure(f"at {what}: expected the weights unchanged (the update skipped), got {got}", cause)


def _judge_scaled_run(record):
    """The AdamW run with overflows: finite updates equal those without a scaler, overflowing ones
    change nothing and report a non-finite norm, with the scaler enabled and with it disabled, and
    the scale follows GradScaler's rules."""
    run = (f"a {probe.SCALED_RUN_UPDATES}-update AdamW run with {SCALED}, growth_interval="
           f"{probe.GROWTH_INTERVAL}, whose updates {', '.join(map(str, probe.OVERFLOW_AT))} get an inf gradient")
    previous = initial_weights(probe.SCALED_RUN_SEED)
    tol = tolerance(previous)
    scales = expected_scales()
    references = reference_plain_run()
    plain_previous = previous
    wrong = None            # set once the run without a scaler has gone wrong
    for t in range(probe.SCALED_RUN_UPDATES):
        what = f"update {t} of {run}"
        overflow = t in probe.OVERFLOW_AT
        if not overflow:
            plain_what = "the same update with a disabled scaler (the run without the overflowing updates)"
            plain_loss, plain_norm = _pair(record, f"plain run {t}", f"train_step at {plain_what}")
            plain = recorded_weights(record, f"plain run {t}: weights", f"the weights after {plain_what}")
            wrong = wrong or _plain_is_wrong(plain, references[t], tol)
            plain_previous = plain
        loss, norm = _pair(record, f"scaled run {t}", f"train_step at {what}", first_call=t == 0,
                           finite=not overflow)
        weights = recorded_weights(record, f"scaled run {t}: weights", f"the weights after {what}")
        if overflow:
            _require_skipped(what, norm, weights, previous, tol, wrong)
        else:
            _require_as_unscaled(f"at {what}", (loss, norm), (plain_loss, plain_norm), wrong, "the gradient norm")
            difference = max_difference(weights, plain)
            if not difference <= tol:
                hint = wrong or (_update_hint(weights, plain, previous, tol) if t == 0 else
                                 "a skipped update must leave no trace: no optimizer.step() on it (Adam's state "
                                 "would change), and no other change to the weights; " + ORDER)
                raise CheckFailed(f"at {what}: expected the same weights as without a scaler, got weights up to "
                                  f"{difference:.3g} away (at most {tol:.3g} allowed). Likely cause: {hint}.")
        scale = record.number(f"scaled run {t}: scale", f"the scale after {what}")
        if scale != scales[t]:
            raise CheckFailed(f"at {what}: expected the scale {scales[t]:g} afterwards, got {scale:g}. Likely cause: "
                              f"call scaler.update() exactly once per update, after scaler.step(optimizer), a skipped "
                              f"update included (it halves the scale).")
        if overflow:
            _require_plain_skipped(record, t, plain_previous, tol)
        previous = weights


def amp_step_scaler(record):
    """train_step with GradScaler(init_scale=65536): a clipped update equals the same update
    without a scaler (unscale_ before clip_grad_norm_), and in a run with overflowing updates those
    are skipped without a trace while the scale halves, and grows after good updates; with a
    disabled scaler, train_step skips the overflowing updates itself."""
    _judge_scaled_step(record)
    _judge_scaled_run(record)
