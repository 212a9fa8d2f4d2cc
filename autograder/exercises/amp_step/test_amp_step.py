"""The amp_step checks (notebook 04): the design of their cases, the reference they judge with, and
records they cannot trust."""
import inspect
import math

import pytest
import torch
import torch.nn.functional as F

from autograder import checks
from autograder.exercises import judging
from autograder.exercises.amp_step import judge as judges
from autograder.exercises.judging import CheckFailed, close, max_difference
from autograder.exercises.amp_step import probe as probes
from autograder.exercises import tampering
from autograder.exercises.corpus import corpus_of, load
from autograder.exercises.tampering import record_of, tampered_records

CPU = torch.device("cpu")
CHECKS = ("amp_step_accumulation", "amp_step_scaler")
REFERENCE = load(corpus_of("amp_step") / "correct" / "reference.py")
BUGGY = load(corpus_of("amp_step") / "buggy" / "clip_before_unscale.py")


def norms_of(case):
    """(norm of the accumulated gradient, norms of each micro-batch's part, largest element) of one
    SGD case at its initial weights."""
    seed, k, lr, loud, _ = judges.CASES[case]
    model, _, batches = probes.sgd_setup(seed, k, lr, loud, device=CPU)
    parts = []
    for inputs, targets in batches:
        model.zero_grad()
        (F.cross_entropy(model(inputs), targets) / k).backward()
        parts.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    total = sum(parts)
    return total.norm().item(), [part.norm().item() for part in parts], total.abs().max().item()


# ---------------------------------------------------------------------------------------------
# The cases

def test_the_probes_hold_no_reference():
    """No clipping, unscaling or optimizer step is where student code can read it."""
    source = inspect.getsource(probes)
    for spelled in ("clip_grad_norm_(", "unscale_(", ".step(", ".update(", "from autograder.checks",
                    "import autograder.checks", "cross_entropy"):
        assert spelled not in source, spelled


def test_the_clipped_case_makes_clipping_mistakes_visible():
    norm, parts, largest = norms_of("clipped")
    assert norm > 4 * probes.CLIPPED_MAX_NORM, "clipping acts on the accumulated gradient"
    assert all(part > probes.CLIPPED_MAX_NORM for part in parts), "clipping each micro-batch acts too"
    assert max(parts) > 1.5 * min(parts), "the micro-batches differ (one is loud)"
    assert largest > probes.CLIPPED_MAX_NORM, "clip_grad_value_ at max_norm clips some elements"


def test_every_mistake_moves_the_weights_in_some_case():
    """Each named mistake changes the weights by far more than the tolerance in one of the two SGD
    cases, so its hint is never given to a right answer and never missed."""
    for hint, mistake in judges.MISTAKES:
        moved = []
        for case in ("clipped", "unclipped"):
            reference = judges.one_update(case)[2]
            moved.append(max_difference(judges.one_update(case, **mistake)[2], reference) /
                         judges.tolerance(reference))
        assert max(moved) > 50, (hint, moved)


def test_the_mistakes_are_told_apart():
    """Over both SGD cases, only clipping after the step and not clipping give the same weights (the
    gradients left behind tell them apart)."""
    def weights(mistake):
        return judges.one_update("clipped", **mistake)[2] + judges.one_update("unclipped", **mistake)[2]

    seen = [weights(mistake) for _, mistake in judges.MISTAKES]
    tolerance = judges.tolerance(judges.one_update("clipped")[2] + judges.one_update("unclipped")[2])
    same = [(i, j) for i in range(len(seen)) for j in range(i)
            if not max_difference(seen[i], seen[j]) > 5 * tolerance]
    options = [str(mistake) for _, mistake in judges.MISTAKES]
    assert [{options[i], options[j]} for i, j in same] == [{str({"clip": "after"}), str({"clip": "none"})}]


def test_the_runs_clip_some_updates_but_not_all():
    _, norms, _ = judges.reference_run()
    clipped = [norm > probes.RUN_MAX_NORM for norm in norms]
    assert 1 <= sum(clipped) <= len(clipped) - 1, norms
    record = record_of("amp_step_scaler", REFERENCE)
    finite = [t for t in range(probes.SCALED_RUN_UPDATES) if t not in probes.OVERFLOW_AT]
    plain = [record["outcomes"][f"plain run {t}"]["value"]["seq"][1]["float"] for t in finite]
    assert 1 <= sum(norm > probes.SCALED_RUN_MAX_NORM for norm in plain) <= len(plain) - 1, plain
    norm, _, _ = norms_of("scaled")
    assert norm > probes.SCALED_MAX_NORM, "the scaler's one-step case clips"


def test_the_reference_is_one_update_on_the_whole_batch():
    """The notebook's claim, which the judge relies on: k micro-batches with each loss divided by k
    give the update of one batch made of all of them, within rounding."""
    for case in ("clipped", "unclipped"):
        seed, k, lr, loud, max_norm = judges.CASES[case]
        model, optimizer, batches = probes.sgd_setup(seed, k, lr, loud, device=CPU)
        inputs = torch.cat([x for x, _ in batches])
        targets = torch.cat([y for _, y in batches])
        judges.reference_update(model, optimizer, [(inputs, targets)], max_norm)
        reference = judges.one_update(case)[2]
        assert max_difference(judging.floats(model.parameters()), reference) < judges.tolerance(reference) / 20


def test_the_reference_matches_torchs_own_clipping_and_scaler():
    """The spelled-out reference agrees with the corpus's reference answer (clip_grad_norm_,
    GradScaler) far inside the tolerance."""
    record = record_of("amp_step_accumulation", REFERENCE)
    got = judging.as_floats(record["outcomes"]["run: weights"]["value"], "")
    reference = judges.reference_run()[2]
    assert max_difference(got, reference) < judges.tolerance(reference) / 10
    record = record_of("amp_step_scaler", REFERENCE)
    for t, expected in enumerate(judges.reference_plain_run()):
        scaled = judging.as_floats(record["outcomes"][f"scaled run {t}: weights"]["value"], "")
        if expected is not None:
            assert max_difference(scaled, expected) < judges.tolerance(expected) / 10


def run_in(dtype):
    """The accumulation run on the CPU with the model in `dtype`: (losses, norms, weights)."""
    model, optimizer, updates = probes.run_setup(probes.RUN_SEED, probes.RUN_UPDATES, probes.RUN_K, probes.RUN_LR,
                                                 device=CPU)
    model.to(dtype)
    losses, norms = [], []
    for batches in updates:
        batches = [(x.to(dtype), y) for x, y in batches]
        loss, norm = judges.reference_update(model, optimizer, batches, probes.RUN_MAX_NORM)
        losses.append(loss)
        norms.append(norm)
    return losses, norms, judging.floats(model.parameters())


def test_float32_rounding_is_far_inside_the_tolerance():
    """A GPU sums in another order than the CPU; float32 against float64 bounds what that changes."""
    exact = run_in(torch.float64)
    rounded = judges.reference_run()
    assert max_difference(rounded[2], exact[2]) < judges.tolerance(exact[2]) / 50
    for got, expected in zip(rounded[:2], exact[:2]):
        assert all(close(x, y, judges.RTOL / 50) for x, y in zip(got, expected))


def test_the_overflow_hook_makes_the_scaler_skip():
    model = probes.probe_net(0, CPU)
    inputs, targets = probes.micro_batches(0, 1, device=CPU)[0]
    scaler = torch.amp.GradScaler("cpu", init_scale=probes.SCALE)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = judging.floats(model.parameters())
    model.overflows = 1
    scaler.scale(F.cross_entropy(model(inputs), targets)).backward()
    assert math.isinf(model.layers[0].weight.grad.view(-1)[0].item()) and model.overflows == 0
    scaler.step(optimizer)
    scaler.update()
    assert judging.floats(model.parameters()) == before and scaler.get_scale() == probes.SCALE / 2
    optimizer.zero_grad()
    scaler.scale(F.cross_entropy(model(inputs), targets)).backward()     # disarmed: finite, applied
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    scaler.step(optimizer)
    assert judging.floats(model.parameters()) != before


def test_the_expected_scales_are_gradscalers_own():
    record = record_of("amp_step_scaler", REFERENCE)
    got = [record["outcomes"][f"scaled run {t}: scale"]["value"]["float"] for t in range(probes.SCALED_RUN_UPDATES)]
    assert got == judges.expected_scales()
    assert any(b < a for a, b in zip(got, got[1:])) and any(b > a for a, b in zip(got, got[1:])), \
        "the run shows both the backoff and the growth"


# ---------------------------------------------------------------------------------------------
# Records are untrusted: whatever a kernel sends, the judge answers with CheckFailed or passes

TAMPERINGS = {**tampering.TAMPERINGS,
              "a pair of NaNs": tampering.replaced({"value": {"seq": [{"float": "nan"}, {"float": "nan"}]}})}
DIAGNOSTIC = {"clipped: grads"}     # read only to explain a failure


@pytest.mark.parametrize("check", CHECKS)
def test_tampered_records_fail_with_check_failed(check):
    judging.judge(check, record_of(check, REFERENCE))
    tampering.require_refused(check, tampered_records(check, REFERENCE, TAMPERINGS), DIAGNOSTIC)


def test_a_skipped_update_may_report_inf_or_nan():
    record = record_of("amp_step_scaler", REFERENCE)
    t = probes.OVERFLOW_AT[0]
    for value in ({"float": "nan"}, {"float": "inf"}, {"tensor": ["nan"], "shape": [], "dtype": "float32"}):
        record["outcomes"][f"scaled run {t}"]["value"]["seq"][1] = value
        judging.judge("amp_step_scaler", record)
    record["outcomes"][f"scaled run {t}"]["value"]["seq"][1] = {"float": 0.5}
    with pytest.raises(CheckFailed, match="expected a non-finite gradient norm"):
        judging.judge("amp_step_scaler", record)


# ---------------------------------------------------------------------------------------------
# Student code: where it runs, what it may return, how fast the judge is

def test_the_checks_run_on_the_default_device_and_leave_the_random_state_alone():
    expected = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    seen = set()

    def train_step(model, optimizer, scaler, micro_batches, max_norm):
        seen.update(p.device.type for p in model.parameters())
        seen.update(x.device.type for batch in micro_batches for x in batch)
        return REFERENCE(model, optimizer, scaler, micro_batches, max_norm)

    state = torch.get_rng_state()
    for check in CHECKS:
        getattr(checks, check)(train_step)
    assert seen == {expected.type}
    assert torch.equal(state, torch.get_rng_state())


def test_the_classic_bug_fails_only_the_scaler_check():
    checks.amp_step_accumulation(BUGGY)
    with pytest.raises(CheckFailed, match="scaler.unscale_"):
        checks.amp_step_scaler(BUGGY)


def test_without_a_scaler_an_overflowing_update_must_be_skipped_too():
    """The disabled-scaler run gets the same overflows: the reference skips them, a step on them is
    named only when the weights show it (inf or NaN), and other moves get the failing case alone."""
    record = record_of("amp_step_scaler", REFERENCE)
    t = probes.OVERFLOW_AT[0]
    assert not math.isfinite(judging.decode(record["outcomes"][f"plain run {t}"]["value"]["seq"][1]["float"]))
    weights = record["outcomes"][f"plain run {t}: weights"]["value"]
    for value, cause in (("nan", "scaler.step(optimizer) is plain optimizer.step()"), (0.5, None)):
        tampered = {**record, "outcomes": {**record["outcomes"], f"plain run {t}: weights":
                                           {"value": {**weights, "tensor": [value] + weights["tensor"][1:]}}}}
        with pytest.raises(CheckFailed) as failure:
            judging.judge("amp_step_scaler", tampered)
        message = str(failure.value)
        assert "expected the weights unchanged" in message
        assert (cause in message) if cause else "Likely cause" not in message, message
