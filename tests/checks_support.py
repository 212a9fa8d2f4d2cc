"""What the check tests share: the answer corpus (tests/corpus/), loading an answer, running checks.

Every correct answer in tests/corpus must pass both checks of its exercise; every buggy one
must fail at least one, with a one-line message (and, where the file says `# expect: ...`, with
that likely cause; where it says `# fails: ...`, exactly the checks named there fail).
"""
import math
from pathlib import Path

import numpy as np
import torch

from autograder import checks

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
EXERCISES = {   # exercise -> its two checks, each as (check, the name in the answer cell it is given)
    "step_decay": (("step_decay_lr", "StepDecayScheduler"), ("step_decay_optimizer", "StepDecayScheduler")),
    "clip_value": (("clip_value_elements", "clip_grad_value"), ("clip_value_model", "clip_grad_value")),
    "lm_step": (("warmup_cosine_schedule", "warmup_cosine_lr"), ("train_step_gpt", "train_step")),
    "amp_step": (("accumulation_step", "train_step"), ("grad_scaler_step", "train_step")),
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


