"""The hidden checks, decided outside the student's process.

Each check has two halves, one module per exercise for each:
- autograder/probes/<exercise>.py runs in the (sandboxed) kernel: it calls the student's code on
  the hidden inputs and returns a record of what came back, as plain data;
- autograder/checks/<exercise>.py judges a record in the grader: it rebuilds the inputs, computes
  the expected values and the known mistakes itself, and raises CheckFailed with one sentence
  (what was tested, expected, got, the likely cause).

A test cell's hidden part calls `checks.<check>(answer)`. In a grading kernel that name is the
probe alone (autograder/probes/kernel.py) and the grader judges the record; here, where solution
notebooks and tests run trusted code, it probes and judges in one go.
"""
import importlib
import json

from autograder.checks.harness import NOT_ANSWERED, CheckFailed, Record
from autograder.probes.harness import DEVICE

EXERCISES = {
    "step_decay": ("step_decay_lr", "step_decay_optimizer"),
    "clip_value": ("clip_value_elements", "clip_value_model"),
    "lm_step": ("warmup_cosine_schedule", "train_step_gpt"),
    "amp_step": ("accumulation_step", "grad_scaler_step"),
}
EXERCISE_OF = {check: exercise for exercise, names in EXERCISES.items() for check in names}

__all__ = ["CheckFailed", "NOT_ANSWERED", "DEVICE", "EXERCISES", "judge", "probe_and_judge",
           *EXERCISE_OF]


def judge(check, data):
    """Raise CheckFailed unless `data` (a record as untrusted JSON) passes `check`."""
    if check not in EXERCISE_OF:
        raise CheckFailed(f"there is no hidden test called {check!r}.")
    module = importlib.import_module(f"autograder.checks.{EXERCISE_OF[check]}")
    getattr(module, check)(Record(data, check))


def probe_and_judge(check, answer):
    """Run `check`'s probe on `answer` in this process, then judge its record as the grader would
    (through JSON, as it leaves a kernel)."""
    probes = importlib.import_module(f"autograder.probes.{EXERCISE_OF[check]}")
    data = json.loads(json.dumps(getattr(probes, check)(answer), allow_nan=False))
    judge(check, data)


def step_decay_lr(cls):
    """get_lr follows lr_initial * gamma ** (step // step_size) for any settings and call order."""
    probe_and_judge("step_decay_lr", cls)


def step_decay_optimizer(cls):
    """step(t) sets the lr on every param group and returns it; a real run matches StepLR."""
    probe_and_judge("step_decay_optimizer", cls)


def clip_value_elements(fn):
    """fn(parameters, clip_value) clamps every gradient element into [-clip_value, clip_value]."""
    probe_and_judge("clip_value_elements", fn)


def clip_value_model(fn):
    """On SmallNet: None gradients skipped, generators handled, weights untouched; a clipped
    training run ends where torch.nn.utils.clip_grad_value_ ends."""
    probe_and_judge("clip_value_model", fn)


def warmup_cosine_schedule(fn):
    """fn(step, peak_lr, warmup_steps, total_steps, min_lr): linear warmup, then cosine decay."""
    probe_and_judge("warmup_cosine_schedule", fn)


def train_step_gpt(fn):
    """One clipped update of a tiny GPT, then a 20-step AdamW run, match a reference step."""
    probe_and_judge("train_step_gpt", fn)


def accumulation_step(fn):
    """train_step(model, optimizer, scaler, micro_batches, max_norm) with a disabled scaler: one
    update from k micro-batches equals one update on all of them together, clipped once."""
    probe_and_judge("accumulation_step", fn)


def grad_scaler_step(fn):
    """train_step with an enabled GradScaler: the same updates as without it (unscale_ before
    clipping), overflowing updates skipped, the scale halved and grown as GradScaler's rules say."""
    probe_and_judge("grad_scaler_step", fn)
