"""The clip_value checks: their tables, the design of their experiments, and a judge that trusts
nothing in a record but the answer's outputs."""
import ast
import copy
import json
import math

import numpy as np
import pytest
import torch

from autograder import checks
from autograder.exercises import judging
from autograder.exercises.tampering import record_of
from autograder.exercises.clip_value import judge as judges
from autograder.exercises.judging import max_difference
from autograder.exercises.clip_value import probe as probes
from autograder.course import SOLUTIONS
from autograder.exercises.clip_value import NOTEBOOK
from autograder.exercises.corpus import comment, corpus_of, load

REFERENCE_CLIP = load(corpus_of("clip_value") / "correct" / "reference.py")

CPU = torch.device("cpu")
CHECKS = ("clip_value_elements", "clip_value_model")


def no_op(parameters, clip_value):
    pass


@pytest.fixture(scope="module")
def reference_records():
    return {check: record_of(check, REFERENCE_CLIP) for check in CHECKS}


# ---------------------------------------------------------------------------------------------
# The tables and experiments

def test_element_cases_cover_every_branch():
    for values, clip_value, _ in probes.ELEMENT_CASES:
        flat = np.ravel(values)
        if clip_value < 10 and flat.size > 1:   # the 10.0 case has nothing to clip; 0-d has one element
            assert (flat > clip_value).any() and (flat < -clip_value).any() and (abs(flat) < clip_value).any()
    assert {0.25, 0.35, 1.5, 0.05} <= {c for _, c, _ in probes.ELEMENT_CASES}
    assert any(type(c) is int for _, c, _ in probes.ELEMENT_CASES)
    assert {d for _, _, d in probes.ELEMENT_CASES} == {torch.float32, torch.float64, torch.bfloat16}
    assert any(np.ndim(v) == 0 for v, _, _ in probes.ELEMENT_CASES)                       # a 0-dim parameter
    assert any(np.ndim(v) == 2 for v, _, _ in probes.ELEMENT_CASES)
    assert any(c in np.abs(np.ravel(v)) for v, c, _ in probes.ELEMENT_CASES)            # ties: not counted
    assert {container for container, _, _ in probes.GROUP_CASES} == {list, tuple}
    assert all(any(np.ndim(v) == 0 for v in grads) for _, grads, _ in probes.GROUP_CASES)
    for values, clip_value, dtype in probes.ELEMENT_CASES:    # every value is exact in its dtype
        if dtype == torch.bfloat16:
            assert torch.tensor(values, dtype=dtype).double().tolist() == values


def test_every_smallnet_parameter_has_gradients_to_clip():
    model = probes.model_with_gradients(probes.GENERATOR_SEED)
    for p in model.parameters():
        assert (p.grad.abs() > probes.CLIP_VALUE).any()
    assert any((p.grad.abs() < probes.CLIP_VALUE).any() for p in model.parameters())
    assert probes.CLIP_VALUE == probes.RUN_CLIP_VALUE == 1.0      # the threshold practitioners use


def test_the_missing_gradient_model_lacks_exactly_two_gradients():
    model = probes.model_with_gradients(probes.MISSING_SEED, missing=True)
    missing = [name for name, p in model.named_parameters() if p.grad is None]
    assert missing == ["layers.0.bias", "layers.2.weight"]
    assert not model.layers[0].bias.requires_grad and model.layers[2].weight.requires_grad


def test_the_clipping_run_clips_at_every_update_and_clipping_matters():
    clipped = []

    def clip(params, t):
        params = list(params)
        clipped.append(any((p.grad.abs() > probes.RUN_CLIP_VALUE).any().item() for p in params))
        torch.nn.utils.clip_grad_value_(params, probes.RUN_CLIP_VALUE)

    with_clipping = probes.train_with_clipping(clip, CPU).tolist()
    without = probes.train_with_clipping(lambda params, t: None, CPU).tolist()
    assert all(clipped) and len(clipped) == probes.CLIP_RUN_STEPS
    assert max_difference(with_clipping, without) > 1e-2


def test_the_probe_holds_no_reference_and_imports_only_torch_and_its_harness():
    tree = ast.parse(open(probes.__file__).read())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"math", "torch", "autograder.exercises.probing"}
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not names & {"clip_grad_value_", "clamp", "clamp_", "clip_grad_norm_"}


# ---------------------------------------------------------------------------------------------
# Records

def test_every_call_is_recorded_whatever_the_answer_does():
    def fails(parameters, clip_value):
        raise RuntimeError("no")

    for check in CHECKS:      # every call and observation; " int" only says what a call returned
        reference = {k for k in record_of(check, REFERENCE_CLIP)["outcomes"] if not k.endswith(" int")}
        assert set(record_of(check, fails)["outcomes"]) == reference
    outcomes = record_of("clip_value_model", fails)["outcomes"]
    assert all(outcomes[f"run update {t}"]["type"] == "RuntimeError" for t in range(probes.CLIP_RUN_STEPS))
    assert "value" in outcomes["run weights"]


def test_records_stay_small(reference_records):
    for record in reference_records.values():
        assert len(json.dumps(record)) < 1_000_000


def test_float32_or_gpu_rounding_of_the_outputs_passes_and_a_real_difference_fails(reference_records):
    """Every recorded number nudged by float32-sized rounding still passes; 100x the tolerance fails."""
    def nudged(record, factor):
        record = copy.deepcopy(record)
        for outcome in record["outcomes"].values():
            value = outcome.get("value")
            for item in value["seq"] if isinstance(value, dict) and "seq" in value else [value]:
                if isinstance(item, dict) and "tensor" in item:
                    item["tensor"] = [x * factor for x in item["tensor"]]
        return record

    for check, record in reference_records.items():
        judging.judge(check, nudged(record, 1 + 1e-7))
        with pytest.raises(judging.CheckFailed):
            judging.judge(check, nudged(record, 1 + 1e-3))


def test_a_near_miss_is_shown_with_enough_digits():
    def slightly_loose(parameters, clip_value):
        for p in parameters:
            p.grad.clamp_(-clip_value * (1 + 1e-4), clip_value * (1 + 1e-4))

    with pytest.raises(judging.CheckFailed, match=r"expected p.grad -0\.5, got -0\.50005\. Likely cause: the "
                                                 r"gradients were clamped at another bound than clip_value"):
        checks.clip_value_elements(slightly_loose)


# ---------------------------------------------------------------------------------------------
# A judge that trusts nothing but the outputs

JUNK = ["junk", None, 3, [], {}, {"value": "junk"}, {"error": ["x"], "type": 5},
        {"value": {"str": 4}}, {"value": {"tensor": "abc"}}, {"value": {"float": 1.0}},
        {"value": {"seq": []}}, {"value": {"seq": "abc"}}, {"value": {"seq": [{"tensor": [1.0, "x"]}] * 9}},
        {"value": {"tensor": [True], "shape": [1]}}, {"value": {"seq": [{"seq": [{"seq": []}]}]}}]


def shallow_copy(record):
    """A record whose outcomes may be replaced or deleted without touching `record`."""
    return dict(record, outcomes=dict(record["outcomes"]))


def keys_to_tamper(record):
    keys = [k for k in record["outcomes"] if not k.startswith("run update ")]
    return keys + ["run update 0", "run update 39"] if "run weights" in record["outcomes"] else keys


@pytest.mark.parametrize("check", CHECKS)
def test_a_tampered_record_fails_with_check_failed_only(check, reference_records):
    record = reference_records[check]
    for key in keys_to_tamper(record):
        deleted = shallow_copy(record)
        del deleted["outcomes"][key]
        with pytest.raises(judging.CheckFailed):
            judging.judge(check, deleted)
        for junk in JUNK:
            tampered = shallow_copy(record)
            tampered["outcomes"][key] = junk
            observation = key.endswith(("weights", "grads"))
            try:
                judging.judge(check, tampered)
            except judging.CheckFailed:
                continue
            assert not observation, f"{key} = {junk!r} passed"     # a return value may be anything


@pytest.mark.parametrize("check", CHECKS)
def test_wrong_shapes_and_non_numbers_inside_observations_fail(check, reference_records):
    record = reference_records[check]
    for key in [k for k in record["outcomes"] if k.endswith(("weights", "grads"))]:
        value = record["outcomes"][key]["value"]
        tensors = value["seq"] if "seq" in value else [value]
        index = next(i for i, t in enumerate(tensors) if t is not None)
        for change in (lambda t: t["tensor"].pop(), lambda t: t["tensor"].append(0.0),
                       lambda t: t["tensor"].__setitem__(0, "x"), lambda t: t["tensor"].__setitem__(0, "nan"),
                       lambda t: t["tensor"].__setitem__(0, None), lambda t: t["tensor"].__setitem__(0, 10 ** 400),
                       lambda t: t.pop("tensor")):
            tampered = shallow_copy(record)
            tampered["outcomes"][key] = copy.deepcopy(record["outcomes"][key])
            value = tampered["outcomes"][key]["value"]
            change((value["seq"] if "seq" in value else [value])[index])
            with pytest.raises(judging.CheckFailed):
                judging.judge(check, tampered)
    for broken in (None, [], {"check": check}, {"check": check, "outcomes": []}, {"check": "x", "outcomes": {}}):
        with pytest.raises(judging.CheckFailed):
            judging.judge(check, broken)


def test_faked_inputs_cannot_make_a_no_op_pass(monkeypatch):
    """A kernel that hands the answer other inputs (bounds nothing exceeds, gradients already small)
    or adds 'before' values to its record: the judge rebuilds its own inputs, so a no-op still fails."""
    with monkeypatch.context() as patched:
        patched.setattr(probes, "ELEMENT_CASES", tuple((v, 1e9, d) for v, _, d in probes.ELEMENT_CASES))
        patched.setattr(probes, "GROUP_CASES", tuple((c, g, 1e9) for c, g, _ in probes.GROUP_CASES))
        patched.setattr(probes, "CLIP_VALUE", 1e9)
        faked = {check: record_of(check, no_op) for check in CHECKS}
    for check in CHECKS:
        with pytest.raises(judging.CheckFailed, match="still holds its old values"):
            judging.judge(check, faked[check])

    model_with_gradients = probes.model_with_gradients

    def small_gradients(seed, missing=False):      # nothing to clip: a no-op would be right
        model = model_with_gradients(seed, missing)
        for p in model.parameters():
            if p.grad is not None:
                p.grad.mul_(1e-3)
        return model

    with monkeypatch.context() as patched:
        patched.setattr(probes, "model_with_gradients", small_gradients)
        faked = record_of("clip_value_model", no_op)
    with pytest.raises(judging.CheckFailed, match=r"clip_grad_value\(model.parameters\(\), 1.0\) on SmallNet"):
        judging.judge("clip_value_model", faked)

    for check in CHECKS:        # "before" values in the record are not read
        record = record_of(check, no_op)
        for key in list(record["outcomes"]):
            if key.endswith(" grads"):
                record["outcomes"][key.replace(" grads", " before")] = record["outcomes"][key]
                record["outcomes"][key.replace(" grads", " inputs")] = record["outcomes"][key]
        with pytest.raises(judging.CheckFailed, match="still holds its old values"):
            judging.judge(check, record)


def test_the_reference_run_is_computed_by_the_judge_on_the_cpu():
    reference = judges._reference_run()
    expected = probes.train_with_clipping(
        lambda params, t: torch.nn.utils.clip_grad_value_(params, probes.RUN_CLIP_VALUE), CPU).tolist()
    assert len(reference) == sum(p.numel() for p in probes.small_net(0).parameters())
    assert max_difference(reference, expected) <= 1e-6 and all(math.isfinite(x) for x in reference)


# ---------------------------------------------------------------------------------------------
# Diagnosis from evidence: a cause only when exactly one known mistake fits

def element_record(answer):
    return judging.Record(record_of("clip_value_elements", answer), "clip_value_elements")


def elementwise_answer(rule):
    """An answer that applies rule(x, clip_value) to every element and returns the right count."""
    def clip(parameters, clip_value):
        n = 0
        for p in parameters:
            if p.grad is not None:
                n += int((p.grad.abs() > clip_value).sum())
                values = [rule(x, clip_value) for x in p.grad.flatten().tolist()]
                p.grad.copy_(torch.tensor(values, dtype=p.grad.dtype).reshape(p.grad.shape))
        return n
    return clip


@pytest.mark.parametrize("name", [n for n in judges.SIMULATIONS if n not in ("noop", "round_bound")])
def test_each_simulated_mistake_is_singled_out_by_the_hidden_cases(name):
    """The hidden cases tell every catalogued element rule from every other: an answer doing
    exactly that mistake gets that cause (and only one cause fits)."""
    simulate = judges.SIMULATIONS[name]
    rule = lambda x, c: simulate(type("C", (), {"before": [judges.Grad(((x,), (), "float64"))],
                                                 "clip_value": c})())[0][0]
    with pytest.raises(judging.CheckFailed, match="Likely cause: ") as failure:
        checks.clip_value_elements(elementwise_answer(rule))
    evidence = {"cases": judges._element_cases(element_record(elementwise_answer(rule)))}
    fitting = [m.cause for m in judges.VALUE_CATALOGUE if m.fits(evidence)]
    assert len(set(fitting)) == 1 and fitting[0] in str(failure.value)


def test_an_unknown_mistake_gets_the_failing_case_and_no_cause():
    def odd(parameters, clip_value):      # clamps, then nudges the elements inside the range
        n = 0
        for p in parameters:
            if p.grad is not None:
                n += int((p.grad.abs() > clip_value).sum())
                inside = p.grad.abs() < clip_value
                p.grad.clamp_(-clip_value, clip_value)
                p.grad[inside] *= 0.5
        return n

    for check in CHECKS:
        with pytest.raises(judging.CheckFailed) as failure:
            getattr(checks, check)(odd)
        message = str(failure.value)
        assert "Likely cause" not in message and "expected " in message and ", got " in message, message


def test_two_fitting_mistakes_give_no_cause():
    """Where the evidence fits two catalogued mistakes, the message names neither."""
    evidence = {"cases": judges._element_cases(element_record(no_op))}
    causes = {m.cause for m in judges.VALUE_CATALOGUE if m.fits(dict(evidence, **{"next backward clipped": True}))}
    assert len(causes) == 1                                     # the hook alone
    both = judging.diagnose(judges.VALUE_CATALOGUE + (judging.Misconception("other", lambda e: True),), evidence)
    assert both is None


def test_the_count_is_judged_only_by_the_element_check():
    """One mistake costs one cell: a wrong count fails clip_value_elements and not clip_value_model."""
    def wrong_count(parameters, clip_value):
        REFERENCE_CLIP(parameters, clip_value)
        return -1

    with pytest.raises(judging.CheckFailed, match="expected it to return"):
        checks.clip_value_elements(wrong_count)
    checks.clip_value_model(wrong_count)


# ---------------------------------------------------------------------------------------------
# Points follow the visible contract

def visible_test_failures(answer):
    """{check: message} for the notebook's visible test cells that fail with `answer` (run on the CPU)."""
    notebook = json.loads((SOLUTIONS / f"{NOTEBOOK}.ipynb").read_text())
    cells = {c.get("id"): "".join(c["source"]).split("### BEGIN HIDDEN TESTS")[0] for c in notebook["cells"]}
    namespace = {"torch": torch, "F": torch.nn.functional, "math": math, "np": np, "device": CPU,
                 "print": lambda *args: None, "clip_grad_value": answer}
    exec(cells["clip_value_test_helpers"], namespace)
    failures = {}
    for check in CHECKS:
        try:
            exec(cells[f"{check}_tests"], namespace)
        except AssertionError as failure:
            failures[check] = str(failure)
    return failures


@pytest.mark.parametrize("path", sorted(corpus_of("clip_value").glob("*/*.py")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_visible_tests_fail_the_cells_the_hidden_tests_fail(path):
    """Each hidden cell checks what its visible test says it checks: on every answer of the corpus
    the visible tests fail exactly the cells whose hidden checks fail (its `# fails:` line)."""
    fails = comment(path, "fails")
    expected = set() if path.parent.name == "correct" else {name.strip() for name in fails.split(",")}
    assert set(visible_test_failures(load(path))) == expected


@pytest.mark.parametrize("answer", ["hook_clamp", "hook_clamp_inplace"])
def test_a_hook_is_named_on_the_model_cell_too(answer):
    """The model's weights are moved after its backward pass (so clamping them shows); the pass run
    again to catch a hook must use the very weights of the first, or a hook looks like a no-op."""
    from autograder.exercises.corpus import corpus_of, run_checks

    elements, model = run_checks(corpus_of("clip_value") / "buggy" / f"{answer}.py")
    assert "deferred to a hook" in elements and "deferred to a hook" in model, model
