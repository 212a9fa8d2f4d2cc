"""The step_decay checks: their tables, the design of their experiments, and the judge's handling of
records it cannot trust."""
import ast
import json
import random

import pytest
import torch

from autograder import checks
from autograder.exercises import judging
from autograder.exercises.step_decay import judge as judge
from autograder.exercises.step_decay import probe as probe
from autograder.exercises.probing import flat, one_thread
from autograder.exercises.corpus import corpus_of, load

REFERENCE_SCHEDULER = load(corpus_of("step_decay") / "correct" / "floor_division.py")


def record_of(check, answer):
    """The probe's record of `answer`, as the grader receives it."""
    return json.loads(json.dumps(getattr(probe, check)(answer), allow_nan=False))


# ---------------------------------------------------------------------------------------------
# Tables

def test_step_decay_table_is_the_closed_form():
    table = dict(judge.step_decay_table(0.1, 0.5, 1000))
    assert table == {0: 0.1, 999: 0.1, 1000: 0.05, 1001: 0.05, 1999: 0.05, 2000: 0.025, 10003: 0.1 * 0.5 ** 10}
    table = dict(judge.step_decay_table(0.2, 0.3, 7))
    assert (table[6], table[7], table[14], table[73]) == (0.2, 0.2 * 0.3, 0.2 * 0.3 ** 2, 0.2 * 0.3 ** 10)
    steps = probe.table_steps(7)
    assert steps.count(7) == 2 and steps.index(73) < len(steps) - 1, "a repeated step and a large step first"


def test_lr_cases_defeat_hard_coded_defaults():
    assert any(case == (0.1, 0.5, 1000) for case in probe.LR_CASES)
    assert {g for _, g, _ in probe.LR_CASES} - {0.5} and {s for _, _, s in probe.LR_CASES} - {1000}
    assert all(lr != probe.OPTIMIZER_LR for lr, _, _ in probe.LR_CASES)
    assert probe.STEP_CASE in probe.LR_CASES and probe.OPTIMIZER_LR not in probe.GROUP_LRS


def test_the_hint_calls_cover_every_graded_step_and_a_call_counter():
    for _, _, s in probe.LR_CASES:
        assert set(probe.table_steps(s)) <= set(probe.hint_steps(s))
        repeats = probe.repeat_steps(s)
        assert repeats[:len(probe.table_steps(s))] == probe.table_steps(s)
        assert repeats.count(0) > s + 1, "get_lr(0) often enough for a call counter to cross a period"


def test_every_lr_mistake_is_wrong_somewhere():
    """Each named mistake differs from the closed form on some case, so its hint never goes to a
    right answer, and far beyond the tolerance."""
    mistakes = judge._lr_mistakes(*probe.LR_CASES[0])
    for index in range(len(mistakes)):
        worst = 0.0
        for case in probe.LR_CASES:
            _, wrong = judge._lr_mistakes(*case)[index]
            for step in probe.hint_steps(case[2]):
                expected = judge.step_decay(*case, step)
                worst = max(worst, abs(wrong(step) - expected) / expected)
        assert worst > 1000 * judge.LR_RTOL, mistakes[index][0]


def test_the_step_calls_make_every_hint_reachable():
    lr, gamma, s = probe.STEP_CASE
    steps = probe.STEP_ORDER
    assert steps[0] == s and 0 in steps, "the first call decays once; step 0 comes after it"
    assert any(a > b for a, b in zip(steps, steps[1:])), "out of order"
    assert len(steps) > len(set(steps)), "a repeated step"
    assert len(set(probe.GROUP_LRS)) == len(probe.GROUP_LRS) and None in probe.GROUP_LRS
    assert all(group_lr != lr for group_lr in probe.GROUP_LRS + (probe.GROUP_DEFAULT_LR,))


# ---------------------------------------------------------------------------------------------
# The training run

def test_the_step_decay_run_decays_several_times():
    assert probe.RUN_STEPS // probe.RUN_STEP_SIZE >= 5
    lrs, _ = judge.reference_run()
    assert len(set(lrs)) == probe.RUN_STEPS // probe.RUN_STEP_SIZE + 1


def run_with(set_lr, dtype=torch.float32, extra_step=False):
    """The real run on the CPU with the closed-form lr set before each update, in `dtype`."""
    model, x, y, optimizer = probe.run_setup(torch.device("cpu"))
    model, x, y = model.to(dtype), x.to(dtype), y.to(dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=probe.RUN_LR, momentum=probe.RUN_MOMENTUM)
    with one_thread():
        for t in range(probe.RUN_STEPS):
            for group in optimizer.param_groups:
                group["lr"] = set_lr(t)
            if extra_step:
                optimizer.step()
            probe.update(model, optimizer, x, y)
    return flat(list(model.parameters())).tolist()


def test_the_weights_tolerance_admits_other_rounding_and_rejects_an_extra_update():
    """float64 arithmetic differs from the float32 reference at least as much as a GPU's float32
    does; it must be well inside the tolerance, one extra optimizer.step() per update far outside."""
    _, reference = judge.reference_run()
    allowed = judge.WEIGHTS_RTOL * (1 + max(abs(w) for w in reference))

    def closed_form(t):
        return judge.step_decay(probe.RUN_LR, probe.RUN_GAMMA, probe.RUN_STEP_SIZE, t)

    assert run_with(closed_form) == list(reference), "the probe's run is StepLR's run on the CPU"
    assert judging.max_difference(run_with(closed_form, torch.float64), reference) < allowed / 10
    assert judging.max_difference(run_with(closed_form, extra_step=True), reference) > 100 * allowed


# ---------------------------------------------------------------------------------------------
# The split: the probe holds no answer, the judge decides from the record alone

def test_the_probe_imports_only_torch_and_the_probe_harness():
    tree = ast.parse(open(probe.__file__).read())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"math", "torch", "autograder.exercises.probing"}


def test_the_record_is_plain_and_small():
    for check in ("step_decay_lr", "step_decay_optimizer"):
        record = getattr(probe, check)(REFERENCE_SCHEDULER)
        assert record["check"] == check
        assert len(json.dumps(record, allow_nan=False)) < 500_000


def test_the_probe_makes_the_same_calls_whatever_the_answers():
    """The hint calls are made for a right answer too, so a record never says which way it went."""
    for check in ("step_decay_lr", "step_decay_optimizer"):
        right = record_of(check, REFERENCE_SCHEDULER)["outcomes"]
        wrong = record_of(check, load(corpus_of("step_decay") / "buggy" / "early_by_one.py"))["outcomes"]
        assert list(right) == list(wrong)


def test_a_missing_method_fails_the_check():
    class NoStep:
        def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
            self.lr_initial, self.gamma, self.step_size = lr_initial, gamma, step_size

        def get_lr(self, step):
            return self.lr_initial * self.gamma ** (step // self.step_size)

    checks.step_decay_lr(NoStep)
    with pytest.raises(judging.CheckFailed, match=r"^step\(7\) with .* raised AttributeError: 'NoStep' object has "
                                                 r"no attribute 'step'\. Likely cause: "):
        checks.step_decay_optimizer(NoStep)


# ---------------------------------------------------------------------------------------------
# Tampered records fail the check, never crash the grader

BUGGY = {"step_decay_lr": "call_counter", "step_decay_optimizer": "gamma_to_step"}
JUNK_OUTCOMES = [
    {"value": "0.1"},
    {"value": [0.1]},
    {"value": {"float": "0.1"}},
    {"value": {"float": 10 ** 400}},
    {"value": {"float": None}},
    {"value": {"tensor": "abc"}},
    {"value": {"tensor": [[0.1]]}},
    {"value": {"seq": [{"float": 0.1}, 10 ** 400, "x"]}},
    {"value": {"seq": {"float": 0.1}}},
    {"value": {"bool": [1]}},
    {"error": {"nested": [1, 2]}, "type": ["NotImplementedError"]},
    {"nothing": 1},
    "not an outcome",
    None,
]


def nested(depth, width):
    """A structure `depth` levels deep, `width` wide at each level (width ** depth leaves)."""
    value = "x"
    for _ in range(depth):
        value = {"seq": [value] * width}
    return value


HUGE = {"value": {"seq": [{"tensor": [1.0] * 1000}] * 200}}     # 200k numbers


def judged(check, data):
    """None when the record passes, else the CheckFailed message; any other exception propagates.
    (`data` must be JSON data already: a copy through json would take most of these tests' time.)"""
    try:
        judging.judge(check, data)
    except judging.CheckFailed as failure:
        return str(failure)
    return None


@pytest.mark.parametrize("check", ["step_decay_lr", "step_decay_optimizer"])
def test_a_deleted_call_fails_the_check(check):
    data = record_of(check, load(corpus_of("step_decay") / "buggy" / f"{BUGGY[check]}.py"))
    first = next(iter(data["outcomes"]))
    del data["outcomes"][first]
    assert f"('{first}' has no result)" in judged(check, data)
    data["outcomes"] = {}
    assert "has no result" in judged(check, data)


@pytest.mark.parametrize("check", ["step_decay_lr", "step_decay_optimizer"])
def test_whole_records_of_the_wrong_shape_fail_the_check(check):
    for data in (None, [], {"check": check}, {"check": "other", "outcomes": {}},
                 {"check": check, "outcomes": []}, {"check": check, "outcomes": nested(200, 1)}):
        assert judged(check, data)


# Outcomes the judge reads only to name a mistake, or only at the end (BUGGY's hints read the first ones).
READ_LATE = {"step_decay_lr": ("case 0: fresh get_lr(1000)", "case 0: repeat #5", "case 0: repeat #1011",
                               "defaults: get_lr(3500)"),
             "step_decay_optimizer": ("calls: lrs after new", "calls: fresh get_lr(7)", "run: lr 299",
                                      "run: update 299", "run: weights")}


@pytest.mark.parametrize("check", ["step_decay_lr", "step_decay_optimizer"])
@pytest.mark.parametrize("answer", ["correct/floor_division", "buggy"])
def test_junk_in_any_outcome_fails_the_check_or_changes_nothing(check, answer):
    """No junk in any outcome makes the judge raise anything but CheckFailed; junk in a graded
    call's result always fails the check."""
    path = corpus_of("step_decay") / f"{answer if answer != 'buggy' else 'buggy/' + BUGGY[check]}.py"
    data = record_of(check, load(path))
    keys = list(data["outcomes"])
    assert set(READ_LATE[check]) <= set(keys)
    picked = keys[:3] + list(READ_LATE[check]) + random.Random(0).sample(keys, 8)
    for key in picked:
        for junk in JUNK_OUTCOMES + [{"value": nested(6, 3)}, {"value": nested(200, 1)}, {"error": "E" * 10 ** 6}]:
            original = data["outcomes"][key]
            data["outcomes"][key] = junk
            judged(check, data)
            data["outcomes"][key] = original
    for junk in ({"value": {"float": 10 ** 400}}, {"value": nested(6, 3)}, HUGE):
        data["outcomes"][keys[1]] = junk
        assert "Likely cause" in judged(check, data)


def test_a_forged_record_cannot_hide_a_no_op_step():
    """The judge compares the lrs after each step with its own closed form: a record saying the groups
    held the right lr 'before' the call gains nothing."""
    data = record_of("step_decay_optimizer", load(corpus_of("step_decay") / "buggy" / "step_not_written.py"))
    data["outcomes"]["calls: lrs after new"] = {"value": {"seq": [{"float": 0.06}] * 3}}
    assert "expected lr 0.06 in all 3 param groups, got [0.3, 0.7, 0.9]" in judged("step_decay_optimizer", data)
