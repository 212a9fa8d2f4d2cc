"""The step_decay checks: their tables, the design of their experiments, the catalogues of
misconceptions, and the judge's handling of records it cannot trust."""
import ast
import json
import random

import pytest
import torch

from autograder import checks
from autograder.exercises import judging
from autograder.exercises.tampering import record_of
from autograder.exercises.step_decay import judge as judge
from autograder.exercises.step_decay import probe as probe
from autograder.exercises.probing import flat, one_thread
from autograder.exercises.corpus import corpus_of, load

REFERENCE_SCHEDULER = load(corpus_of("step_decay") / "correct" / "reference.py")


# ---------------------------------------------------------------------------------------------
# Tables and the design of the experiments

def test_step_decay_is_the_closed_form_on_each_groups_own_lr():
    assert judge.step_decay((0.01, 0.001), 1000, 0.5, 0) == [0.01, 0.001]
    assert judge.step_decay((0.01, 0.001), 1000, 0.5, 999) == [0.01, 0.001]
    assert judge.step_decay((0.01, 0.001), 1000, 0.5, 1000) == [0.005, 0.0005]
    assert judge.step_decay((0.01, 0.001), 1000, 0.5, 3500) == [0.01 * 0.5 ** 3, 0.001 * 0.5 ** 3]
    assert judge.step_decay((None,), 7, 0.3, 14) == [probe.DEFAULT_LR * 0.3 ** 2]
    steps = probe.table_steps(7)
    assert steps.count(7) == 2 and steps.index(73) < len(steps) - 1, "a repeated step and a large step first"


def test_the_cases_defeat_one_lr_for_all_and_hard_coded_constants():
    assert any(len(set(judge.initial_lrs(lrs))) > 1 for lrs, _, _ in probe.LR_CASES)
    assert any(lrs[0] is None for lrs, _, _ in probe.LR_CASES) is False
    assert {g for _, _, g in probe.LR_CASES} - {0.1, 0.5} and {s for _, s, _ in probe.LR_CASES} - {10, 30, 1000}
    assert all(probe.DEFAULT_LR not in judge.initial_lrs(lrs)[:1] for lrs, _, _ in probe.LR_CASES)
    assert any(g == 1.0 for _, _, g in probe.LR_CASES) and any(s == 1 for _, s, _ in probe.LR_CASES)
    (a_lrs, a_s, a_g), (b_lrs, b_s, b_g) = probe.PAIR
    assert (a_s, a_g) != (b_s, b_g) and len(a_lrs) != len(b_lrs)


def test_every_lr_mistake_is_wrong_somewhere_and_far_beyond_the_tolerance():
    """Each named mistake differs from the closed form on some case, so its cause never goes to a
    right answer."""
    for cause, wrong in judge.FORMULA_MISTAKES:
        worst = 0.0
        for case in probe.LR_CASES:
            for t in probe.hint_steps(case[1]):
                expected = judge.step_decay(*case, t)
                got = wrong(case, t)
                worst = max(worst, max(abs(g - e) / e for g, e in zip(got, expected)))
        assert worst > 1000 * judge.LR_RTOL, cause


def test_the_step_calls_make_every_cause_reachable():
    """step() is called N_CALLS times on each case: case 0 crosses two period boundaries with three
    groups (one at the optimizer's default lr), and step_size 1 and gamma 1 are among the cases;
    get_lr is asked on new schedulers as far as a step() that advances twice reaches."""
    (group_lrs, s, gamma), *_ = probe.STEP_CASES
    assert probe.N_CALLS >= 2 * s + 1, "two decays, and a call after the second"
    assert len(set(judge.initial_lrs(group_lrs))) == len(group_lrs) and None in group_lrs
    assert any(s == 1 for _, s, _ in probe.STEP_CASES) and any(g == 1.0 for _, _, g in probe.STEP_CASES)
    assert set(range(2 * probe.N_CALLS + 1)) <= set(probe.own_steps())
    (a_lrs, a_s, _), (b_lrs, b_s, _) = probe.PAIR
    assert probe.PAIR_CALLS > max(a_s, b_s), "each scheduler of the pair decays while the other is stepped"


def test_the_resume_point_is_inside_a_period_after_several_decays():
    assert probe.RESUME_AT % probe.RUN_STEP_SIZE and probe.RESUME_AT // probe.RUN_STEP_SIZE >= 2
    lrs, _ = judge.reference_run()
    assert len({lr for lr, _ in lrs}) == probe.RUN_STEPS // probe.RUN_STEP_SIZE + 1
    assert all(close_pair(pair, judge.step_decay((probe.RUN_LR, probe.RUN_BIAS_LR), probe.RUN_STEP_SIZE,
                                                 probe.RUN_GAMMA, t)) for t, pair in enumerate(lrs))


def close_pair(a, b):
    return all(judging.close(x, y, 1e-12) for x, y in zip(a, b))


# ---------------------------------------------------------------------------------------------
# The training run

def test_the_weights_tolerance_admits_other_rounding_and_rejects_an_extra_update():
    """The replay with StepLR's lrs is StepLR's run; float64 arithmetic differs from float32 at least
    as much as a GPU's float32 does and must be well inside the tolerance; one extra optimizer.step()
    per update far outside."""
    lrs, reference = judge.reference_run()
    allowed = judge.WEIGHTS_RTOL * (1 + max(abs(w) for w in reference))
    assert judge.replay(lrs) == reference
    with one_thread():
        model, x, y = probe.run_model(torch.device("cpu"))
        model, x, y = model.double(), x.double(), y.double()
        optimizer = probe.run_optimizer(model)
        for pair in lrs:
            for group, lr in zip(optimizer.param_groups, pair):
                group["lr"] = lr
            probe.update(model, optimizer, x, y)
    float64 = flat(list(model.parameters())).tolist()
    assert judging.max_difference(float64, reference) < allowed / 10
    assert judging.max_difference(judge.replay(lrs, extra_step=True), reference) > 100 * allowed


# ---------------------------------------------------------------------------------------------
# Diagnosis: a cause only when exactly one misconception fits

def test_no_misconception_fits_the_reference_answer():
    """On a right answer's evidence no catalogue entry fits: a cause is never named by accident."""
    record = judging.Record(record_of("step_decay_lr", REFERENCE_SCHEDULER), "step_decay_lr")
    assert [m.cause for m in judge.LR_CATALOGUE if m.fits(judge.lr_evidence(record))] == []
    record = judging.Record(record_of("step_decay_optimizer", REFERENCE_SCHEDULER), "step_decay_optimizer")
    evidence = judge.step_evidence(record)
    assert all(calls for _, _, calls in evidence["calls"]) and evidence["pair"] and evidence["pair_own_right"]
    assert [m.cause for m in judge.STEP_CATALOGUE if m.fits(evidence)] == []
    used, _ = judge.reference_run()
    resumed = [tuple(judge.maybe_lrs(record, f"resume: lrs {t}")) for t in range(probe.RESUME_AT, probe.RUN_STEPS)]
    assert all(judge.same(list(a), list(b)) for a, b in zip(resumed, used[probe.RESUME_AT:]))
    assert [m.cause for m in judge.RESUME_CATALOGUE if m.fits({"used": used, "resumed": resumed})] == []


def test_the_resume_misconceptions_are_told_apart():
    """Each resume mistake, built from the reference run's lrs, fits its own entry and no other."""
    used, _ = judge.reference_run()
    r = probe.RESUME_AT
    ratio = [[u / u0 for u, u0 in zip(used[t], used[0])] for t in range(probe.RUN_STEPS)]
    after = range(r, probe.RUN_STEPS)
    chained_from_0 = [[x * probe.RUN_GAMMA ** (t // probe.RUN_STEP_SIZE - r // probe.RUN_STEP_SIZE) for x in used[0]]
                      for t in after]
    mistakes = [
        ("took the restored optimizer's lrs", [[x * f for x, f in zip(used[r], ratio[t])] for t in after]),
        ("took the restored optimizer's lrs", [list(used[r])] + [[x * f for x, f in zip(used[r], ratio[t])]
                                                                  for t in after[1:]]),
        ("does not hold the position", [list(used[i]) for i in range(probe.RUN_STEPS - r)]),
        ("leaves the groups at the lrs the constructor set", [list(used[0])] + [list(u) for u in used[r + 1:]]),
        ("leaves the groups at the lrs the constructor set", chained_from_0),
        ("no longer writes", [list(used[r])] * (probe.RUN_STEPS - r)),
    ]
    for fragment, resumed in mistakes:
        fitting = [m.cause for m in judge.RESUME_CATALOGUE if m.fits({"used": used, "resumed": resumed})]
        assert len(fitting) == 1 and fragment in fitting[0], (fragment, fitting)


# ---------------------------------------------------------------------------------------------
# The split: the probe holds no answer, the judge decides from the record alone

def test_the_probe_imports_only_torch_copy_numbers_and_the_probe_harness():
    tree = ast.parse(open(probe.__file__).read())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"copy", "math", "numbers", "torch", "autograder.exercises.probing"}


def test_the_record_is_plain_and_small():
    for check in ("step_decay_lr", "step_decay_optimizer"):
        record = getattr(probe, check)(REFERENCE_SCHEDULER)
        assert record["check"] == check
        assert len(json.dumps(record, allow_nan=False)) < 500_000


def test_the_probe_makes_the_same_calls_whatever_the_answers():
    """The diagnosis calls are made for a right answer too, so a record never says which way it went."""
    for check in ("step_decay_lr", "step_decay_optimizer"):
        right = record_of(check, REFERENCE_SCHEDULER)["outcomes"]
        wrong = record_of(check, load(corpus_of("step_decay") / "buggy" / "paddle_epoch_plus_one.py"))["outcomes"]
        assert list(right) == list(wrong)


def test_a_missing_method_fails_the_check():
    class NoStep(REFERENCE_SCHEDULER):
        step = None

    checks.step_decay_lr(NoStep)
    with pytest.raises(judging.CheckFailed, match=r"^the 1st call of step\(\) with .* raised TypeError: 'NoneType' "
                                                 r"object is not callable\. Likely cause: "):
        checks.step_decay_optimizer(NoStep)


# ---------------------------------------------------------------------------------------------
# Tampered records fail the check, never crash the grader

BUGGY = {"step_decay_lr": "allennlp_counter_get_lr", "step_decay_optimizer": "state_dict_forgets_initial_lrs"}
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
                               "pair: #5", "case 4: lrs after get_lr"),
             "step_decay_optimizer": ("calls 0: lrs after new", "calls 0: fresh get_lr(7)", "calls 2: step #16",
                                      "pair: lrs after #15", "pair: fresh B get_lr(30)", "run: lrs 299",
                                      "run: update 299", "run: step after 299", "run: weights", "resume: state_dict",
                                      "resume: lrs after new", "resume: lrs 299", "resume: weights")}


@pytest.mark.parametrize("check", ["step_decay_lr", "step_decay_optimizer"])
@pytest.mark.parametrize("answer", ["correct/reference", "buggy"])
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
        assert judged(check, data)


def test_a_no_op_step_fails_where_the_lr_first_changes():
    """The judge compares the lrs after each step() with the answer's own get_lr on a new scheduler
    (never with the lrs the record says the groups held before): a step() that returns the right
    lrs without writing them fails at the first decay, and the cause is named."""
    class NoOpStep(REFERENCE_SCHEDULER):
        def step(self):
            self.position += 1
            return self.get_lr(self.position)

    message = judged("step_decay_optimizer", record_of("step_decay_optimizer", NoOpStep))
    assert message.startswith("the param group lrs after the 7th call of step()"), message
    assert "expected [0.06, 0.231, 0.015], got [0.2, 0.77, 0.05]. Likely cause: " + judge.NOT_WRITTEN in message
