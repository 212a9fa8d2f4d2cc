"""Every answer in the exercises' corpora judged right, and how the checks treat student code."""

import numpy as np
import pytest
import torch

from autograder import checks
from autograder import exercises
from autograder.exercises.corpus import (checks_of, comment, corpus_files, corpus_id, corpus_of,
                                         exercise_of_file, load, run_checks)
from autograder.exercises.judging import NOT_ANSWERED, CheckFailed

REFERENCE_SCHEDULER = load(corpus_of("step_decay") / "correct" / "reference.py")
REFERENCE_CLIP = load(corpus_of("clip_value") / "correct" / "reference.py")
BUGGY_SCHEDULER = load(corpus_of("step_decay") / "buggy" / "paddle_epoch_plus_one.py")
BUGGY_CLIP = load(corpus_of("clip_value") / "buggy" / "result_discarded.py")
REFERENCE_LR = load(corpus_of("gpt_step") / "correct" / "reference.py", "warmup_stable_cosine_factor")
REFERENCE_STEP = load(corpus_of("gpt_step") / "correct" / "reference.py", "train_step")
BUGGY_LR = load(corpus_of("gpt_step") / "buggy" / "hf_min_lr_rate_clamped.py", "warmup_stable_cosine_factor")
BUGGY_STEP = load(corpus_of("gpt_step") / "buggy" / "no_clipping.py", "train_step")


# ---------------------------------------------------------------------------------------------
# The corpus

@pytest.mark.parametrize("exercise", exercises.names())
def test_every_exercise_has_answers_of_both_kinds(exercise):
    """What the corpus is worth is what each answer shows (the tests below), not how many there
    are; but an exercise without a correct or a buggy answer is not tested at all."""
    assert list(corpus_of(exercise).glob("correct/*.py")) and list(corpus_of(exercise).glob("buggy/*.py"))


@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_corpus_file_says_what_it_is(path):
    assert path.read_text().splitlines()[0].startswith(f"# {path.parent.name}: ")


@pytest.mark.parametrize("path", corpus_files("correct"), ids=corpus_id)
def test_correct_answers_pass_both_checks(path):
    assert all(message is None for message in run_checks(path)), run_checks(path)


@pytest.mark.parametrize("path", corpus_files("buggy"), ids=corpus_id)
def test_buggy_answers_fail_with_a_clear_message(path):
    failures = [message for message in run_checks(path) if message is not None]
    assert failures, "no check failed"
    message = failures[0]
    assert message.strip() and "\n" not in message and message.endswith("."), message
    cause = comment(path, "expect")
    if cause == "no cause":         # no single misconception fits: the failing case, and no guess
        assert "Likely cause" not in message and "expected " in message and ", got " in message, message
        return
    assert "Likely cause: " in message or message.endswith(NOT_ANSWERED), message
    if cause:
        assert cause in message, message


@pytest.mark.parametrize("path", [p for p in corpus_files("buggy") if comment(p, "fails")], ids=corpus_id)
def test_each_bug_fails_exactly_the_checks_it_names(path):
    """A bug in one function must not fail the other function's check (the cell defines both)."""
    named = {name.strip() for name in comment(path, "fails").split(",")}
    checks_of_exercise = [check for check, _ in checks_of(exercise_of_file(path))]
    assert named <= set(checks_of_exercise)
    failed = {check for check, message in zip(checks_of_exercise, run_checks(path)) if message}
    assert failed == named


def test_the_step_decay_corpus_names_many_causes_and_withholds_some():
    """Step decay's buggy answers: each named cause appears, no 'Likely cause' where none is
    expected, and the corpus exercises both. (Here, not in the exercise's own tests, so the
    judgments cached for the tests above are reused: judging the corpus costs 20 CPU-seconds.)"""
    named = no_cause = 0
    for path in sorted((corpus_of("step_decay") / "buggy").glob("*.py")):
        message = next(m for m in run_checks(path) if m)
        expect = comment(path, "expect")
        if path.stem == "blank_stub":
            assert message.endswith(NOT_ANSWERED)
        elif expect == "no cause":
            assert "Likely cause" not in message, path.name
            no_cause += 1
        else:
            assert expect and expect in message, (path.name, message)
            named += 1
    assert named >= 25 and no_cause >= 2


def test_every_gpt_step_bug_names_the_check_it_fails():
    buggy = list((corpus_of("gpt_step") / "buggy").glob("*.py"))
    assert all(comment(p, "fails") for p in buggy)
    fails = [comment(p, "fails") for p in buggy]
    assert fails.count("gpt_step_schedule") >= 8 and fails.count("gpt_step_train") >= 10


# ---------------------------------------------------------------------------------------------
# Behaviour on student code

def scheduler_with_get_lr(get_lr):
    return type("StepDecayScheduler", (REFERENCE_SCHEDULER,), {"get_lr": get_lr})


@pytest.mark.parametrize("convert", [float, np.float64, np.float32, torch.tensor], ids=lambda f: f.__name__)
def test_get_lr_may_return_any_float_like(convert):
    def get_lr(self, step):
        return [convert(lr * self.gamma ** (step // self.step_size)) for lr in self.initial_lrs]
    checks.step_decay_lr(scheduler_with_get_lr(get_lr))


@pytest.mark.parametrize("value, phrase", [([float("nan")] * 3, "returned NaN"), ("0.1", "got a str"),
                                           (None, "returned None, expected a list of 2 lrs"),
                                           (0.1, "got a single number")])
def test_get_lr_returning_a_non_number_fails(value, phrase):
    with pytest.raises(CheckFailed, match=phrase):
        # (right at update 0, which the constructor sets: the junk comes from get_lr's own calls)
        checks.step_decay_lr(scheduler_with_get_lr(lambda self, step: value if step else
                                                   REFERENCE_SCHEDULER.get_lr(self, step)))


def test_exceptions_in_student_code_become_check_failures():
    def get_lr(self, step):
        return 1 / 0
    with pytest.raises(CheckFailed, match=r"StepDecayScheduler\(optimizer, 1000, 0\.5\) .*raised ZeroDivisionError: "
                                          r"division by zero\. Likely cause: .*the get_lr it calls"):
        checks.step_decay_lr(scheduler_with_get_lr(get_lr))

    def clip(parameters, clip_value):
        raise KeyError("grad")
    with pytest.raises(CheckFailed, match="expected no error, got KeyError: 'grad'"):
        checks.clip_value_elements(clip)


@pytest.mark.parametrize("path", [corpus_of("step_decay") / "buggy" / "blank_stub.py",
                                  corpus_of("clip_value") / "buggy" / "blank_stub.py",
                                  corpus_of("gpt_step") / "buggy" / "blank_stub.py"], ids=corpus_id)
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
        return REFERENCE_CLIP(parameters, clip_value)

    checks.clip_value_elements(spy)
    checks.clip_value_model(spy)
    assert seen == {expected.type}

    class Spy(REFERENCE_SCHEDULER):
        def step(self):
            seen.update(p.device.type for g in self.optimizer.param_groups for p in g["params"])
            return super().step()

    seen.clear()
    checks.step_decay_optimizer(Spy)
    assert seen == {expected.type}

    def train_step(model, optimizer, inputs, targets, lr_factor, max_norm):
        seen.update(p.device.type for p in model.parameters())
        seen.update(p.grad.device.type for p in model.parameters() if p.grad is not None)
        seen.update((inputs.device.type, targets.device.type))
        return REFERENCE_STEP(model, optimizer, inputs, targets, lr_factor, max_norm)

    seen.clear()
    checks.gpt_step_train(train_step)
    assert seen == {expected.type}


def test_checks_leave_the_global_random_state_alone():
    state = torch.get_rng_state()
    checks.step_decay_optimizer(REFERENCE_SCHEDULER)
    checks.clip_value_model(REFERENCE_CLIP)
    checks.gpt_step_schedule(REFERENCE_LR)
    checks.gpt_step_train(REFERENCE_STEP)
    assert torch.equal(state, torch.get_rng_state())
