"""The hidden checks (autograder/checks.py) on the answer corpus, their tables, and tampering.

Every correct answer in autograder/corpus must pass both checks of its exercise; every buggy one
must fail at least one, with a one-line message (and, where the file says `# expect: ...`, with
that likely cause; where it says `# fails: ...`, exactly the checks named there fail). Tamper
tests patch helpers and always restore them.
"""
import ast
import builtins
import importlib
import math
import os
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder import checks

CORPUS = Path(checks.__file__).resolve().parent / "corpus"
REPO = CORPUS.parents[1]
EXERCISES = {   # exercise -> its two checks, each as (check, the name in the answer cell it is given)
    "step_decay": (("step_decay_lr", "StepDecayScheduler"), ("step_decay_optimizer", "StepDecayScheduler")),
    "clip_value": (("clip_value_elements", "clip_grad_value"), ("clip_value_model", "clip_grad_value")),
    "lm_step": (("warmup_cosine_schedule", "warmup_cosine_lr"), ("train_step_gpt", "train_step")),
}


def corpus_files(kind=None):
    return sorted(p for exercise in EXERCISES for p in (CORPUS / exercise).glob(f"{kind or '*'}/*.py"))


def namespace_of(path):
    """The names an answer file defines, exec'd as the notebook would (torch, math, np, nn, F exist)."""
    namespace = {"torch": torch, "math": math, "np": np, "nn": torch.nn, "F": torch.nn.functional}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def load(path, name=None):
    """The object an answer file defines (the first check's answer unless `name` is given)."""
    return namespace_of(path)[name or EXERCISES[path.parent.parent.name][0][1]]


def run_checks(path):
    """[None or the CheckFailed message] for the exercise's two checks."""
    namespace = namespace_of(path)
    results = []
    for check, name in EXERCISES[path.parent.parent.name]:
        try:
            getattr(checks, check)(namespace[name])
            results.append(None)
        except checks.CheckFailed as failure:
            results.append(str(failure))
    return results


def comment(path, key):
    """The value of a `# key: value` line among the first three lines, or None."""
    for line in path.read_text().splitlines()[:3]:
        if line.startswith(f"# {key}: "):
            return line[len(f"# {key}: "):]
    return None


def expected_cause(path):
    return comment(path, "expect")


def corpus_id(path):
    return f"{path.parent.parent.name}/{path.parent.name}/{path.stem}"


REFERENCE_SCHEDULER = load(CORPUS / "step_decay" / "correct" / "floor_division.py")
REFERENCE_CLIP = load(CORPUS / "clip_value" / "correct" / "reference.py")
BUGGY_SCHEDULER = load(CORPUS / "step_decay" / "buggy" / "early_by_one.py")
BUGGY_CLIP = load(CORPUS / "clip_value" / "buggy" / "result_discarded.py")
REFERENCE_LR = load(CORPUS / "lm_step" / "correct" / "reference.py", "warmup_cosine_lr")
REFERENCE_STEP = load(CORPUS / "lm_step" / "correct" / "reference.py", "train_step")
BUGGY_LR = load(CORPUS / "lm_step" / "buggy" / "warmup_from_zero.py", "warmup_cosine_lr")
BUGGY_STEP = load(CORPUS / "lm_step" / "buggy" / "no_clipping.py", "train_step")


# ---------------------------------------------------------------------------------------------
# The corpus

@pytest.mark.parametrize("exercise", EXERCISES)
def test_corpus_is_big_enough(exercise):
    assert len(list((CORPUS / exercise / "correct").glob("*.py"))) >= 12
    assert len(list((CORPUS / exercise / "buggy").glob("*.py"))) >= 18


@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_corpus_file_says_what_it_is(path):
    assert path.read_text().splitlines()[0].startswith(f"# {path.parent.name}: ")


@pytest.mark.parametrize("path", corpus_files("correct"), ids=corpus_id)
def test_correct_answers_pass_both_checks(path):
    assert run_checks(path) == [None, None]


@pytest.mark.parametrize("path", corpus_files("buggy"), ids=corpus_id)
def test_buggy_answers_fail_with_a_clear_message(path):
    failures = [message for message in run_checks(path) if message is not None]
    assert failures, "no check failed"
    message = failures[0]
    assert message.strip() and "\n" not in message and message.endswith("."), message
    assert "Likely cause: " in message or message.endswith(checks.NOT_ANSWERED), message
    cause = expected_cause(path)
    if cause:
        assert cause in message, message


@pytest.mark.parametrize("path", [p for p in corpus_files("buggy") if comment(p, "fails")], ids=corpus_id)
def test_each_bug_fails_exactly_the_checks_it_names(path):
    """A bug in one function must not fail the other function's check (the cell defines both)."""
    named = {name.strip() for name in comment(path, "fails").split(",")}
    checks_of_exercise = [check for check, _ in EXERCISES[path.parent.parent.name]]
    assert named <= set(checks_of_exercise)
    failed = {check for check, message in zip(checks_of_exercise, run_checks(path)) if message}
    assert failed == named


def test_every_lm_step_bug_names_the_check_it_fails():
    buggy = list((CORPUS / "lm_step" / "buggy").glob("*.py"))
    assert all(comment(p, "fails") for p in buggy)
    fails = [comment(p, "fails") for p in buggy]
    assert fails.count("warmup_cosine_schedule") >= 8 and fails.count("train_step_gpt") >= 10


# ---------------------------------------------------------------------------------------------
# The tables and the design of the experiments

def test_step_decay_table_is_the_closed_form():
    table = dict(checks.step_decay_table(0.1, 0.5, 1000))
    assert table == {0: 0.1, 999: 0.1, 1000: 0.05, 1001: 0.05, 1999: 0.05, 2000: 0.025, 10003: 0.1 * 0.5 ** 10}
    table = dict(checks.step_decay_table(0.2, 0.3, 7))
    assert (table[6], table[7], table[14], table[73]) == (0.2, 0.2 * 0.3, 0.2 * 0.3 ** 2, 0.2 * 0.3 ** 10)
    steps = [t for t, _ in checks.step_decay_table(0.2, 0.3, 7)]
    assert steps.count(7) == 2 and steps.index(73) < len(steps) - 1, "a repeated step and a large step first"


def test_lr_cases_defeat_hard_coded_defaults():
    assert any(case == (0.1, 0.5, 1000) for case in checks.LR_CASES)
    assert {g for _, g, _ in checks.LR_CASES} - {0.5} and {s for _, _, s in checks.LR_CASES} - {1000}
    assert all(lr != checks.OPTIMIZER_LR for lr, _, _ in checks.LR_CASES)


def test_element_cases_cover_every_branch():
    for values, clip_value, _ in checks.ELEMENT_CASES[:-1]:     # the last case has nothing to clip
        flat = np.ravel(values)
        assert (flat > clip_value).any() and (flat < -clip_value).any() and (abs(flat) < clip_value).any()
    assert {0.25, 0.35, 1.5, 0.05} <= {c for _, c, _ in checks.ELEMENT_CASES}
    assert any(type(c) is int for _, c, _ in checks.ELEMENT_CASES)
    assert {container for container, _, _ in checks.GROUP_CASES} == {list, tuple}


def test_every_smallnet_parameter_has_gradients_to_clip():
    model = checks._model_with_gradients(seed=1)
    for p in model.parameters():
        assert (p.grad.abs() > checks.CLIP_VALUE).any()
    assert any((p.grad.abs() < checks.CLIP_VALUE).any() for p in model.parameters())


def test_the_clipping_run_clips_at_every_update_and_clipping_matters():
    clipped = []

    def clip(params, t):
        params = list(params)
        clipped.append(any((p.grad.abs() > checks.CLIP_VALUE).any().item() for p in params))
        torch.nn.utils.clip_grad_value_(params, checks.CLIP_VALUE)

    with_clipping = checks._train_with_clipping(clip)
    without = checks._train_with_clipping(lambda params, t: None)
    assert all(clipped) and len(clipped) == checks.CLIP_RUN_STEPS
    assert checks._max_difference(with_clipping, without) > 1e-2


def test_the_step_decay_run_decays_several_times():
    assert checks.RUN_STEPS // checks.RUN_STEP_SIZE >= 5


def test_warmup_cosine_table_follows_the_spec():
    table = dict(checks.warmup_cosine_table(3e-3, 4, 7, 3e-4))
    assert sorted(table) == list(range(7)), "a short schedule is checked at every step"
    assert table[0] == 3e-3 / 4 and table[3] == table[4] == 3e-3, "peak_lr at step W - 1 and again at W"
    assert 3e-4 < table[6] < table[5] < table[4]
    table = dict(checks.warmup_cosine_table(0.37, 0, 9, 0.0))
    assert table[0] == 0.37 and 0 < table[8] < 0.02, "no warmup: the cosine starts at step 0"
    table = dict(checks.warmup_cosine_table(6e-4, 100, 2000, 6e-5))
    assert {0, 99, 100, 101, 1999} <= set(table) and len(table) < 20, "a long schedule: its edges"
    assert table[99] == table[100] == 6e-4 and table[1050] == pytest.approx((6e-4 + 6e-5) / 2)


def test_schedule_cases_cover_the_edges_and_defeat_hard_coded_values():
    cases = checks.SCHEDULE_CASES
    assert {0, 1} <= {w for _, w, _, _ in cases}, "warmup_steps 0 and 1"
    assert any(n == w + 1 for _, w, n, _ in cases), "a single decay step"
    assert any(low == 0 for *_, low in cases) and any(low > 0 for *_, low in cases)
    assert any(n <= checks.SCHEDULE_ALL_STEPS for _, _, n, _ in cases)
    assert len({peak for peak, _, _, _ in cases}) == len(cases) and all(n > w for _, w, n, _ in cases)


def test_every_schedule_mistake_is_wrong_somewhere():
    """Each named mistake differs from the spec on some case, so its hint is never given to a right answer."""
    for index in range(len(checks._schedule_mistakes(*checks.SCHEDULE_CASES[0]))):
        differs = False
        for case in checks.SCHEDULE_CASES:
            _, wrong = checks._schedule_mistakes(*case)[index]
            for step, expected in checks.warmup_cosine_table(*case):
                try:
                    differs |= not checks._close(wrong(step), expected, checks.LR_RTOL, checks.LR_ATOL)
                except ArithmeticError:
                    differs = True
        assert differs, checks._schedule_mistakes(*checks.SCHEDULE_CASES[0])[index][0]


def reference_gpt_run():
    return checks._gpt_run(lambda model, optimizer, x, y, lr, max_norm, t:
                           checks._reference_step(model, optimizer, x, y, lr, max_norm))


def test_the_gpt_run_clips_some_steps_but_not_all_and_clipping_matters():
    losses, norms, _, weights = reference_gpt_run()
    clipped = [norm > checks.GPT_RUN_MAX_NORM for norm in norms]
    assert len(norms) == checks.GPT_RUN_STEPS
    assert 3 <= sum(clipped) <= len(clipped) - 3, norms
    unclipped = checks._gpt_run(lambda model, optimizer, x, y, lr, max_norm, t:
                                checks._reference_step(model, optimizer, x, y, lr, max_norm, clip="none"))
    assert checks._max_difference(unclipped[3], weights) > 100 * checks._weights_tolerance(weights)
    assert losses[-1] < losses[0], "the run learns something"


def test_the_gpt_run_matches_torchs_own_clipping():
    """The reference's spelled-out clipping agrees with clip_grad_norm_ far inside the tolerance."""
    def with_torch(model, optimizer, x, y, lr, max_norm, t):
        return REFERENCE_STEP(model, optimizer, x, y, lr, max_norm)
    _, norms, _, weights = checks._gpt_run(with_torch)
    _, reference_norms, _, reference = reference_gpt_run()
    assert checks._max_difference(weights, reference) < checks._weights_tolerance(reference) / 10
    assert checks._max_difference(norms, reference_norms) < 1e-6


def test_the_one_step_setup_makes_every_mistake_visible():
    facts = checks._step_facts(checks.STEP_MAX_NORM)
    assert facts["norm"] > 5 * checks.STEP_MAX_NORM, "clipping is active"
    assert facts["largest"] > checks.STEP_MAX_NORM, "clip_grad_value_ at max_norm clips some elements"
    assert abs(facts["with stale"] - facts["norm"]) > 0.1 and checks.STEP_LR not in checks.STEP_GROUP_LRS
    tolerance = checks._weights_tolerance(facts["weights"])
    seen = []
    for hint, mistake in checks.STEP_MISTAKES:
        model, optimizer, inputs, targets = checks._sgd_setup()
        checks._reference_step(model, optimizer, inputs, targets, checks.STEP_LR, checks.STEP_MAX_NORM, **mistake)
        weights = checks._flat(model.parameters())
        assert checks._max_difference(weights, facts["weights"]) > 50 * tolerance, hint
        seen.append(weights)
    # Only clipping after the step / no clipping (told apart by the gradients) and the lr set after the
    # step / never (told apart by the param groups' lr afterwards) give the same weights.
    same = [(i, j) for i in range(len(seen)) for j in range(i)
            if not checks._max_difference(seen[i], seen[j]) > 10 * tolerance]
    options = [mistake for _, mistake in checks.STEP_MISTAKES]
    pairs = [{str(options[i]), str(options[j])} for i, j in same]
    assert len(pairs) == 2 and {str({"clip": "after"}), str({"clip": "none"})} in pairs and \
        {str({"set_lr": "after"}), str({"set_lr": "never"})} in pairs, pairs


# ---------------------------------------------------------------------------------------------
# Behaviour on student code

def scheduler_with_get_lr(get_lr):
    return type("StepDecayScheduler", (REFERENCE_SCHEDULER,), {"get_lr": get_lr})


@pytest.mark.parametrize("convert", [float, np.float64, np.float32, torch.tensor], ids=lambda f: f.__name__)
def test_get_lr_may_return_any_float_like(convert):
    def get_lr(self, step):
        return convert(self.lr_initial * self.gamma ** (step // self.step_size))
    checks.step_decay_lr(scheduler_with_get_lr(get_lr))


@pytest.mark.parametrize("value, phrase", [(float("nan"), "returned NaN"), ("0.1", "returned a string"),
                                           (None, "returned None. Likely cause: a missing return."),
                                           (torch.ones(2), "not a single number")])
def test_get_lr_returning_a_non_number_fails(value, phrase):
    with pytest.raises(checks.CheckFailed, match=phrase):
        checks.step_decay_lr(scheduler_with_get_lr(lambda self, step: value))


def test_exceptions_in_student_code_become_check_failures():
    def get_lr(self, step):
        return 1 / 0
    with pytest.raises(checks.CheckFailed, match=r"get_lr\(0\) .*raised ZeroDivisionError: division by zero\. "
                                                 r"Likely cause: "):
        checks.step_decay_lr(scheduler_with_get_lr(get_lr))

    def clip(parameters, clip_value):
        raise KeyError("grad")
    with pytest.raises(checks.CheckFailed, match="raised KeyError"):
        checks.clip_value_elements(clip)


@pytest.mark.parametrize("path", [CORPUS / "step_decay" / "buggy" / "blank_stub.py",
                                  CORPUS / "clip_value" / "buggy" / "blank_stub.py",
                                  CORPUS / "lm_step" / "buggy" / "blank_stub.py"], ids=corpus_id)
def test_the_nbgrader_stub_says_not_answered(path):
    messages = [m for m in run_checks(path) if m]
    assert len(messages) == 2
    assert all(m.endswith("raised NotImplementedError — the exercise is not answered yet.") for m in messages)


def test_checks_run_on_the_default_device():
    expected = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert checks.DEVICE == expected
    seen = set()

    def spy(parameters, clip_value):
        parameters = list(parameters)
        seen.update(p.grad.device.type for p in parameters if p.grad is not None)
        REFERENCE_CLIP(parameters, clip_value)

    checks.clip_value_elements(spy)
    checks.clip_value_model(spy)
    assert seen == {expected.type}

    class Spy(REFERENCE_SCHEDULER):
        def step(self, current_step):
            seen.update(p.device.type for g in self.optimizer.param_groups for p in g["params"])
            return super().step(current_step)

    seen.clear()
    checks.step_decay_optimizer(Spy)
    assert seen == {expected.type}

    def train_step(model, optimizer, inputs, targets, lr, max_norm):
        seen.update(p.device.type for p in model.parameters())
        seen.update(p.grad.device.type for p in model.parameters() if p.grad is not None)
        seen.update((inputs.device.type, targets.device.type))
        return REFERENCE_STEP(model, optimizer, inputs, targets, lr, max_norm)

    seen.clear()
    checks.train_step_gpt(train_step)
    assert seen == {expected.type}


def test_checks_leave_the_global_random_state_alone():
    state = torch.get_rng_state()
    checks.step_decay_optimizer(REFERENCE_SCHEDULER)
    checks.clip_value_model(REFERENCE_CLIP)
    checks.warmup_cosine_schedule(REFERENCE_LR)
    checks.train_step_gpt(REFERENCE_STEP)
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize("check, answer", [("step_decay_lr", REFERENCE_SCHEDULER),
                                           ("step_decay_optimizer", REFERENCE_SCHEDULER),
                                           ("clip_value_elements", REFERENCE_CLIP),
                                           ("clip_value_model", REFERENCE_CLIP),
                                           ("warmup_cosine_schedule", REFERENCE_LR),
                                           ("train_step_gpt", REFERENCE_STEP)])
def test_each_check_is_fast_on_the_reference_answer(check, answer):
    getattr(checks, check)(answer)      # warm-up: lazy imports inside torch
    start = time.perf_counter()
    getattr(checks, check)(answer)
    assert time.perf_counter() - start < 1.0


# ---------------------------------------------------------------------------------------------
# Tampering

def patched(owner, name, value):
    """Context: owner.name = value, restored afterwards whatever happens."""
    class Patch:
        def __enter__(self):
            self.old = getattr(owner, name)
            setattr(owner, name, value)

        def __exit__(self, *exc):
            setattr(owner, name, self.old)
    return Patch()


PATCHES = [
    ("builtins.abs", builtins, "abs", lambda x: 0),
    ("math.isclose", math, "isclose", lambda *a, **k: True),
    ("torch.allclose", torch, "allclose", lambda *a, **k: True),
    ("torch.equal", torch, "equal", lambda *a, **k: True),
    ("numpy.allclose", np, "allclose", lambda *a, **k: True),
    ("torch.testing.assert_close", torch.testing, "assert_close", lambda *a, **k: None),
    ("builtins.float", builtins, "float", type("float", (float,), {})),
    ("torch.Tensor.tolist", torch.Tensor, "tolist", lambda self: [0.0]),
    ("torch.nn.utils.clip_grad_norm_", torch.nn.utils, "clip_grad_norm_", lambda *a, **k: torch.tensor(1.0)),
    ("torch.nn.functional.cross_entropy", torch.nn.functional, "cross_entropy",
     lambda *a, **k: torch.tensor(0.0, requires_grad=True)),
]


@pytest.mark.parametrize("name, owner, attribute, fake", PATCHES, ids=[p[0] for p in PATCHES])
def test_a_patched_helper_is_reported_and_earns_nothing(name, owner, attribute, fake):
    with patched(owner, attribute, fake):
        assert name in checks._tampered()
        for check, answer in (("step_decay_lr", BUGGY_SCHEDULER), ("clip_value_elements", BUGGY_CLIP),
                              ("step_decay_optimizer", REFERENCE_SCHEDULER), ("clip_value_model", REFERENCE_CLIP),
                              ("warmup_cosine_schedule", BUGGY_LR), ("train_step_gpt", REFERENCE_STEP)):
            with pytest.raises(checks.CheckFailed) as failure:
                getattr(checks, check)(answer)
            assert str(failure.value).startswith("The comparison helpers were modified before the tests ran (")
            assert name in str(failure.value)
    assert checks._tampered() == []


def test_comparisons_do_not_use_the_helpers(monkeypatch):
    """With the tamper check switched off, patched helpers still cannot make a buggy answer pass."""
    monkeypatch.setattr(checks, "_require_untampered", lambda: None)
    import operator
    with patched(builtins, "abs", lambda x: 0), patched(math, "isclose", lambda *a, **k: True), \
            patched(torch, "allclose", lambda *a, **k: True), patched(torch, "equal", lambda *a, **k: True), \
            patched(np, "allclose", lambda *a, **k: True), patched(operator, "eq", lambda *a: True):
        with pytest.raises(checks.CheckFailed, match="one step early"):
            checks.step_decay_lr(BUGGY_SCHEDULER)
        with pytest.raises(checks.CheckFailed, match="not clipped in place"):
            checks.clip_value_elements(BUGGY_CLIP)
        with pytest.raises(checks.CheckFailed, match="the warmup starts at lr 0"):
            checks.warmup_cosine_schedule(BUGGY_LR)
        with pytest.raises(checks.CheckFailed, match="not clipped before the update"):
            checks.train_step_gpt(BUGGY_STEP)
        checks.step_decay_lr(REFERENCE_SCHEDULER)
        checks.clip_value_elements(REFERENCE_CLIP)
        checks.warmup_cosine_schedule(REFERENCE_LR)
        checks.train_step_gpt(REFERENCE_STEP)


def test_the_reference_step_does_not_use_torchs_clipping(monkeypatch):
    """A clip_grad_norm_ patched to measure without clipping cannot make the unclipped reference pass."""
    monkeypatch.setattr(checks, "_require_untampered", lambda: None)

    def measure_only(parameters, max_norm, *args, **kwargs):
        return torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in parameters if p.grad is not None]))

    with patched(torch.nn.utils, "clip_grad_norm_", measure_only):
        with pytest.raises(checks.CheckFailed, match="not clipped before the update"):
            checks.train_step_gpt(REFERENCE_STEP)


def test_the_snapshot_catches_a_lookalike():
    """A copy of assert_close with other globals passes the type checks; identity catches it."""
    genuine = torch.testing.assert_close
    lookalike = types.FunctionType(genuine.__code__, dict(genuine.__globals__), genuine.__name__,
                                   genuine.__defaults__, genuine.__closure__)
    lookalike.__kwdefaults__ = genuine.__kwdefaults__
    rule = next(r for n, _, _, r in checks._watched() if n == "torch.testing.assert_close")
    assert checks._looks_genuine(lookalike, rule)
    with patched(torch.testing, "assert_close", lookalike):
        checks.snapshot()       # idempotent: a later call cannot make the lookalike genuine
        assert checks._tampered() == ["torch.testing.assert_close"]
        with pytest.raises(checks.CheckFailed, match=r"\(torch.testing.assert_close\)"):
            checks.clip_value_elements(REFERENCE_CLIP)


def test_reloading_the_checks_keeps_the_first_snapshot():
    genuine = torch.testing.assert_close
    lookalike = types.FunctionType(genuine.__code__, dict(genuine.__globals__), genuine.__name__)
    with patched(torch.testing, "assert_close", lookalike):
        module = importlib.reload(checks)
        assert module._tampered() == ["torch.testing.assert_close"]
    assert checks._tampered() == []


def test_patching_before_the_checks_are_imported_is_still_caught():
    """Without the grader's bootstrap the snapshot is taken late; the type checks still see it."""
    script = ("import builtins, math, torch\n"
              "builtins.abs = lambda x: 0\nmath.isclose = lambda *a, **k: True\n"
              "torch.allclose = lambda *a, **k: True\n"
              "from autograder import checks\n"
              "print(sorted(checks._tampered()))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(["builtins.abs", "math.isclose", "torch.allclose"])


def test_the_checks_module_stands_alone():
    """The grader copies checks.py alone next to an empty autograder/__init__.py."""
    tree = ast.parse(Path(checks.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))
    assert imported <= set(sys.stdlib_module_names) | {"torch", "numpy"}, imported


def test_the_checks_restore_the_thread_count():
    before = torch.get_num_threads()
    checks.step_decay_optimizer(REFERENCE_SCHEDULER)
    checks.clip_value_model(REFERENCE_CLIP)
    checks.train_step_gpt(REFERENCE_STEP)
    assert torch.get_num_threads() == before
