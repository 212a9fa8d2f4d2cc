"""The gpt_step checks: their tables, the design of their experiments, and records they cannot trust."""
import inspect

import pytest
import torch

from autograder.exercises import judging
from autograder.exercises.gpt_step import judge as judges
from autograder.exercises.judging import CheckFailed, close, max_difference
from autograder.exercises.gpt_step import probe as probes
from autograder.exercises import tampering
from autograder.exercises.corpus import corpus_of, load
from autograder.exercises.tampering import record_of, tampered_records

REFERENCE_LR = load(corpus_of("gpt_step") / "correct" / "reference.py", "warmup_stable_cosine_factor")
REFERENCE_STEP = load(corpus_of("gpt_step") / "correct" / "reference.py", "train_step")
BUGGY_STEP = load(corpus_of("gpt_step") / "buggy" / "no_clipping.py", "train_step")


def test_warmup_stable_cosine_table_follows_the_spec():
    table = dict(judges.warmup_stable_cosine_table(4, 3, 7, 0.1))
    assert set(range(7)) | {7, 8} <= set(table), "a short schedule is checked at every step, and past its end"
    assert table[0] == 1 / 4 and table[3] == table[4] == 1, "W + D = T: the peak at step W - 1 and again at W"
    assert 0.1 < table[6] < table[5] < table[4]
    assert table[7] == table[8] == table[max(table)] == 0.1, "past the end: min_factor, held"
    table = dict(judges.warmup_stable_cosine_table(4, 6, 14, 0.1))      # the trace of the text
    assert [table[t] for t in range(9)] == [0.25, 0.5, 0.75] + [1.0] * 6, "warmup, stable phase, the decay's first step"
    assert table[11] == pytest.approx(0.55) and table[13] == pytest.approx(0.1603, abs=1e-4) and table[14] == 0.1
    table = dict(judges.warmup_stable_cosine_table(0, 9, 9, 0.0))
    assert table[0] == 1 and 0 < table[8] < 0.05 and table[9] == 0, "no warmup: the cosine starts at step 0"
    table = dict(judges.warmup_stable_cosine_table(4, 0, 9, 0.2))
    assert [table[t] for t in range(11)] == [0.25, 0.5, 0.75] + [1.0] * 6 + [0.2, 0.2], "D = 0: no decay"
    table = dict(judges.warmup_stable_cosine_table(5, 0, 5, 0.35))
    assert [table[t] for t in range(5)] == [0.2, 0.4, 0.6, 0.8, 1.0] and table[5] == table[6] == 0.35, "W == T"
    table = dict(judges.warmup_stable_cosine_table(100, 300, 2000, 0.1))
    assert {0, 99, 100, 101, 1699, 1700, 1701, 1850, 1999, 2000, 2001} <= set(table) and len(table) < 20, \
        "a long schedule: its edges"
    assert table[99] == table[100] == table[1699] == table[1700] == 1 and table[1850] == pytest.approx(0.55)
    for w, d, n in ((3, 5, 7), (-1, 2, 6), (2, -1, 6)):
        with pytest.raises(ValueError):
            judges.warmup_stable_cosine(0, w, d, n, 0.1)


def test_schedule_cases_cover_the_edges_and_defeat_hard_coded_values():
    cases = probes.SCHEDULE_CASES
    assert {0, 1} <= {w for w, *_ in cases} and {0, 1} <= {d for _, d, _, _ in cases}, "W and D of 0 and 1"
    assert any(w + d == n and w > 0 and d > 1 for w, d, n, _ in cases), "warmup + cosine, no stable phase"
    assert any(n - w - d >= 4 and w > 0 and d > 1 for w, d, n, _ in cases), "a stable phase of several updates"
    assert any(n == w > 0 for w, _, n, _ in cases), "the whole run is warmup (W == T)"
    assert any(w == d == 0 for w, d, _, _ in cases) and any(n == 1 for *_, n, _ in cases)
    assert any(low == 0 for *_, low in cases) and any(low > 0 for *_, low in cases)
    assert any(n <= probes.SCHEDULE_ALL_STEPS for _, _, n, _ in cases) and any(n > probes.SCHEDULE_ALL_STEPS
                                                                              for _, _, n, _ in cases)
    assert all(any(t >= n for t in probes.schedule_steps(w, d, n)) for w, d, n, _ in cases), "every case past its end"
    assert len({low for *_, low in cases}) == len(cases) and all(0 <= w and 0 <= d and w + d <= n
                                                                 for w, d, n, _ in cases)
    invalid = probes.INVALID_CASES
    assert any(w < 0 for w, *_ in invalid) and any(d < 0 for _, d, _, _ in invalid)
    assert any(w >= 0 and d >= 0 and w + d > n for w, d, n, _ in invalid), "warmup and decay overlap"


def evidence_of(factor):
    """{(cases, case, step): what `factor` gives} for every call the probe makes, as the judge's
    evidence holds it (numbers as floats, as a record gives them)."""
    def outcome(step, case):
        got = judges._outcome_of(factor, step, case)
        return got if got is None or got == judges.INVALID else float(got)
    return {(cases, index, step): outcome(step, cases[index]) for cases, index, step, _ in judges.asked_calls()}


def test_every_schedule_mistake_is_wrong_somewhere():
    """Each named mistake differs from the spec on some case, so its cause is never given to a right answer."""
    right = evidence_of(judges.warmup_stable_cosine)
    for misconception in judges.SCHEDULE_CATALOGUE:
        assert not misconception.fits(right), misconception.cause


def test_the_schedule_diagnosis_names_a_cause_only_when_one_fits():
    """The spec itself fits no misconception; a mistake alone is named; two mistakes at once are not."""
    assert judging.diagnose(judges.SCHEDULE_CATALOGUE, evidence_of(judges.warmup_stable_cosine)) is None
    zero_start, unclamped = judges.SCHEDULE_MISTAKES[0][1], judges._with(past=judges._unclamped)
    assert judging.diagnose(judges.SCHEDULE_CATALOGUE, evidence_of(zero_start)) == judges.ZERO_START
    for cause, wrong in judges.SCHEDULE_MISTAKES:
        assert judging.diagnose(judges.SCHEDULE_CATALOGUE, evidence_of(wrong)) == cause, cause

    def both(t, w, d, n, low):
        return unclamped(t, w, d, n, low) if t >= n else zero_start(t, w, d, n, low)
    assert judging.diagnose(judges.SCHEDULE_CATALOGUE, evidence_of(both)) is None


def test_the_probe_hands_train_step_the_schedules_factors():
    """The probe holds the run's factors as constants (no formula where student code runs); they are
    the judge's schedule, exactly."""
    assert list(probes.GPT_RUN_FACTORS) == judges.run_factors()


def test_the_lr_mistakes_are_told_apart():
    """Each way of setting the lrs wrong leaves other group lrs somewhere (one step, resumed, run)."""
    seen = [judges._predicted_lrs(how) for _, how in judges.LR_MISTAKES]
    right = judges._predicted_lrs("initial")
    for (cause, _), lrs in zip(judges.LR_MISTAKES, seen):
        assert lrs != right, cause
    assert all(a != b for i, a in enumerate(seen) for b in seen[:i])
    assert right["run"][-1] == pytest.approx(tuple(lr * probes.GPT_RUN_FACTORS[-1] for lr in probes.GPT_RUN_GROUP_LRS))


def test_the_probes_hold_no_reference():
    """Neither the schedule's formula nor a clipping step is where student code can read it."""
    source = inspect.getsource(probes)
    assert "cos(" not in source and "clip_grad_norm_(" not in source and ".step()" not in source
    assert "from autograder.checks" not in source and "import autograder.checks" not in source


def run_with(step, dtype=torch.float32):
    """The GPT run on the CPU with `step` as train_step, the model in `dtype`: (losses, norms, weights)."""
    model, optimizer, batches = probes.run_setup(device="cpu")
    model.to(dtype)
    losses, norms = [], []
    for (inputs, targets), factor in zip(batches, probes.GPT_RUN_FACTORS):
        loss, norm = step(model, optimizer, inputs, targets, factor, probes.GPT_RUN_MAX_NORM)
        losses.append(float(loss))
        norms.append(float(norm))
    return losses, norms, judging.floats(model.parameters())


def test_the_gpt_run_clips_some_steps_but_not_all_and_clipping_matters():
    losses, norms, weights = judges.reference_run()
    clipped = [norm > probes.GPT_RUN_MAX_NORM for norm in norms]
    assert len(norms) == probes.GPT_RUN_STEPS
    assert 3 <= sum(clipped) <= len(clipped) - 3, norms
    _, _, unclipped = judges.reference_run(clip="none")
    assert max_difference(unclipped, weights) > 50 * judges.weights_tolerance(weights)
    assert losses[-1] < losses[0], "the run learns something"


def test_the_gpt_run_matches_torchs_own_clipping():
    """The reference's spelled-out clipping agrees with clip_grad_norm_ far inside the tolerance."""
    _, norms, weights = run_with(REFERENCE_STEP)
    _, reference_norms, reference = judges.reference_run()
    assert max_difference(weights, reference) < judges.weights_tolerance(reference) / 10
    assert max_difference(norms, reference_norms) < 1e-6


def test_float32_rounding_is_far_inside_the_tolerance():
    """A GPU sums in another order than the CPU; float32 against float64 bounds what that changes."""
    exact = run_with(judges.reference_step, torch.float64)
    rounded = judges.reference_run()
    assert max_difference(rounded[2], exact[2]) < judges.weights_tolerance(exact[2]) / 50
    for got, expected in zip(rounded[:2], exact[:2]):
        assert all(close(x, y, judges.GPT_RTOL / 50) for x, y in zip(got, expected))


def test_the_one_step_setup_makes_every_mistake_visible():
    facts = judges.step_facts(probes.STEP_MAX_NORM)
    assert facts["norm"] > 5 * probes.STEP_MAX_NORM, "clipping is active"
    assert facts["largest"] > probes.STEP_MAX_NORM, "clip_grad_value_ at max_norm clips some elements"
    assert abs(facts["with stale"] - facts["norm"]) > 0.1 and probes.STEP_FACTOR != 1 != probes.RESUMED_FACTOR
    tolerance = judges.weights_tolerance(facts["weights"])
    seen = []
    right_lrs = judges.sgd_step(probes.STEP_MAX_NORM)[4]
    for hint, mistake in judges.STEP_MISTAKES:
        _, _, weights, _, lrs = judges.sgd_step(probes.STEP_MAX_NORM, **mistake)
        if any(not close(x, y, 1e-3) for x, y in zip(lrs, right_lrs)):
            continue            # the group lrs after the step show it, before the weights are read
        assert max_difference(weights, facts["weights"]) > 50 * tolerance, hint
        seen.append(weights)
    # Only clipping after the step / no clipping and old gradients never cleared / cleared at the end
    # give the same weights; the gradients left in .grad tell them apart.
    same = [(i, j) for i in range(len(seen)) for j in range(i)
            if not max_difference(seen[i], seen[j]) > 5 * tolerance]
    options = [mistake for _, mistake in judges.STEP_MISTAKES
               if judges._lrs_agree(judges.sgd_step(probes.STEP_MAX_NORM, **mistake)[4], right_lrs)]
    pairs = [{str(options[i]), str(options[j])} for i, j in same]
    assert len(pairs) == 2 and {str({"clip": "after"}), str({"clip": "none"})} in pairs and \
        {str({"zero": "never"}), str({"zero": "end"})} in pairs, pairs


# ---------------------------------------------------------------------------------------------
# Records are untrusted: whatever a kernel sends, the judge answers with CheckFailed or passes

def lengthened(outcome):
    value = outcome.get("value")
    if isinstance(value, dict) and isinstance(value.get("tensor"), list):
        value["tensor"].append(0.5)
        return True
    if isinstance(value, dict) and isinstance(value.get("seq"), list):
        value["seq"].append({"float": 0.5})
        return True
    return False


TAMPERINGS = {**tampering.TAMPERINGS,
              "a tensor that is no list": tampering.replaced({"value": {"tensor": "abc"}}),
              "a bool in a tensor": tampering.replaced({"value": {"tensor": [True]}}),
              "lengthened": lengthened}
# Read only to explain a failure, so tampering with it can leave a right answer passing.
DIAGNOSTIC = {"one step: grads"}


def sampled_keys(check, answer):
    """Every key of a record but the middle updates of the GPT run (alike, and slow to judge)."""
    keys = record_of(check, answer)["outcomes"]
    return [k for k in keys if not k.startswith("run ") or k.split()[1].rstrip(":") in ("0", "19")]


@pytest.mark.parametrize("check, answer", [("gpt_step_schedule", REFERENCE_LR),
                                           ("gpt_step_train", REFERENCE_STEP)])
def test_tampered_records_fail_with_check_failed(check, answer):
    judging.judge(check, record_of(check, answer))
    tampering.require_refused(check, tampered_records(check, answer, TAMPERINGS, sampled_keys(check, answer)),
                              DIAGNOSTIC)


def test_tampered_diagnostics_fail_where_they_are_read():
    """BUGGY_STEP never clips: its weights are wrong, so the judge reads the gradients to say why."""
    for key, how, record in tampered_records("gpt_step_train", BUGGY_STEP, TAMPERINGS, sorted(DIAGNOSTIC)):
        with pytest.raises(CheckFailed):
            judging.judge("gpt_step_train", record)


def test_non_finite_numbers_in_a_record_are_read_as_such():
    record = record_of("gpt_step_train", REFERENCE_STEP)
    record["outcomes"]["no clipping"]["value"]["seq"][1] = {"float": "inf"}
    with pytest.raises(CheckFailed, match="max_norm was returned instead"):
        judging.judge("gpt_step_train", record)
    record = record_of("gpt_step_schedule", REFERENCE_LR)
    record["outcomes"][probes.schedule_key(0, 0)]["value"] = {"float": "nan"}
    with pytest.raises(CheckFailed, match="returned NaN"):
        judging.judge("gpt_step_schedule", record)

