"""The hidden checks judge the answer corpus right: full marks for every correct answer, fewer
for every buggy one, with a sentence saying why; and patched comparison helpers earn nothing."""
import builtins
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder import checks

CORPUS = Path(checks.__file__).parent / "corpus"
EXERCISES = {"step_decay": ("StepDecayScheduler", [checks.step_decay_lr, checks.step_decay_optimizer]),
             "clip_value": ("clip_grad_value", [checks.clip_value_elements, checks.clip_value_model])}


def load(path):
    """Run an answer file the way a notebook cell runs: torch, math and np already imported."""
    namespace = {"torch": torch, "math": math, "np": np, "__name__": "__main__"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace[EXERCISES[path.parent.parent.name][0]]


def failures(path):
    """The messages of the checks this answer fails (one per graded test cell)."""
    answer = load(path)
    messages = []
    for check in EXERCISES[path.parent.parent.name][1]:
        try:
            check(answer)
        except checks.CheckFailed as failure:
            messages.append(str(failure))
    return messages


def corpus(kind):
    return sorted(CORPUS.glob(f"*/{kind}/*.py"))


def test_corpus_is_large_enough():
    for exercise in EXERCISES:
        assert len(list(CORPUS.glob(f"{exercise}/correct/*.py"))) >= 10
        assert len(list(CORPUS.glob(f"{exercise}/buggy/*.py"))) >= 15


@pytest.mark.parametrize("path", corpus("correct"), ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_correct_answers_get_full_marks(path):
    assert failures(path) == []


@pytest.mark.parametrize("path", corpus("buggy"), ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_buggy_answers_lose_marks_with_a_reason(path):
    messages = failures(path)
    assert messages, "a buggy answer got full marks"
    for message in messages:
        assert len(message) > 30 and message.rstrip().endswith((".", ")")), message


def test_early_decay_is_named():
    message = failures(CORPUS / "step_decay" / "buggy" / "early_by_one.py")[0]
    assert "one step early" in message and "expected" in message and "got" in message


def test_not_in_place_is_named():
    message = failures(CORPUS / "clip_value" / "buggy" / "result_discarded.py")[0]
    assert "in place" in message


def test_blank_stub_says_not_answered():
    def clip_grad_value(parameters, clip_value):
        raise NotImplementedError()

    with pytest.raises(checks.CheckFailed, match="not answered yet"):
        checks.clip_value_elements(clip_grad_value)


@pytest.mark.parametrize("owner,name", [(builtins, "abs"), (math, "isclose"), (torch, "allclose"),
                                        (np, "allclose"), (torch.testing, "assert_close"),
                                        (torch.Tensor, "tolist")])
def test_patched_helpers_earn_nothing(owner, name):
    buggy = load(CORPUS / "step_decay" / "buggy" / "early_by_one.py")
    original = getattr(owner, name)
    setattr(owner, name, lambda *args, **kwargs: True)
    try:
        with pytest.raises(checks.CheckFailed, match="modified before the tests ran"):
            checks.step_decay_lr(buggy)
        correct = load(CORPUS / "step_decay" / "correct" / "floor_division.py")
        with pytest.raises(checks.CheckFailed):
            checks.step_decay_lr(correct)
    finally:
        setattr(owner, name, original)
    checks.step_decay_lr(load(CORPUS / "step_decay" / "correct" / "floor_division.py"))


def test_checks_pick_the_device_themselves():
    assert checks.DEVICE.type == ("cuda" if torch.cuda.is_available() else "cpu")
