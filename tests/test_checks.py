"""The hidden checks (autograder/checks.py) on the answer corpus, their tables, and tampering.

Every correct answer in autograder/corpus must pass both checks of its exercise; every buggy one
must fail at least one, with a one-line message (and, where the file says `# expect: ...`, with
that likely cause). Tamper tests patch helpers and always restore them.
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
EXERCISES = {   # exercise -> (the name the answer cell defines, its two checks)
    "step_decay": ("StepDecayScheduler", ("step_decay_lr", "step_decay_optimizer")),
    "clip_value": ("clip_grad_value", ("clip_value_elements", "clip_value_model")),
}


def corpus_files(kind=None):
    return sorted(p for exercise in EXERCISES for p in (CORPUS / exercise).glob(f"{kind or '*'}/*.py"))


def load(path):
    """The object an answer file defines, exec'd as the notebook would (torch, math, np exist)."""
    namespace = {"torch": torch, "math": math, "np": np}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace[EXERCISES[path.parent.parent.name][0]]


def run_checks(path):
    """[None or the CheckFailed message] for the exercise's two checks."""
    answer = load(path)
    results = []
    for name in EXERCISES[path.parent.parent.name][1]:
        try:
            getattr(checks, name)(answer)
            results.append(None)
        except checks.CheckFailed as failure:
            results.append(str(failure))
    return results


def expected_cause(path):
    for line in path.read_text().splitlines()[:3]:
        if line.startswith("# expect: "):
            return line[len("# expect: "):]
    return None


def corpus_id(path):
    return f"{path.parent.parent.name}/{path.parent.name}/{path.stem}"


REFERENCE_SCHEDULER = load(CORPUS / "step_decay" / "correct" / "floor_division.py")
REFERENCE_CLIP = load(CORPUS / "clip_value" / "correct" / "reference.py")
BUGGY_SCHEDULER = load(CORPUS / "step_decay" / "buggy" / "early_by_one.py")
BUGGY_CLIP = load(CORPUS / "clip_value" / "buggy" / "result_discarded.py")


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
                                  CORPUS / "clip_value" / "buggy" / "blank_stub.py"], ids=corpus_id)
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


def test_checks_leave_the_global_random_state_alone():
    state = torch.get_rng_state()
    checks.step_decay_optimizer(REFERENCE_SCHEDULER)
    checks.clip_value_model(REFERENCE_CLIP)
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize("check, answer", [("step_decay_lr", REFERENCE_SCHEDULER),
                                           ("step_decay_optimizer", REFERENCE_SCHEDULER),
                                           ("clip_value_elements", REFERENCE_CLIP),
                                           ("clip_value_model", REFERENCE_CLIP)])
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
]


@pytest.mark.parametrize("name, owner, attribute, fake", PATCHES, ids=[p[0] for p in PATCHES])
def test_a_patched_helper_is_reported_and_earns_nothing(name, owner, attribute, fake):
    with patched(owner, attribute, fake):
        assert name in checks._tampered()
        for check, answer in (("step_decay_lr", BUGGY_SCHEDULER), ("clip_value_elements", BUGGY_CLIP),
                              ("step_decay_optimizer", REFERENCE_SCHEDULER), ("clip_value_model", REFERENCE_CLIP)):
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
        checks.step_decay_lr(REFERENCE_SCHEDULER)
        checks.clip_value_elements(REFERENCE_CLIP)


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
    assert torch.get_num_threads() == before
