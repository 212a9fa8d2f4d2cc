"""`checks.<check>(answer)`: what a notebook's hidden test cell calls.

The check's probe (autograder/exercises/<exercise>/probe.py) calls the answer on the hidden inputs
and records what came back. A grading kernel holds the probes and no judge (the sandbox copies
only autograder/exercises' kernel_files): there the record is emitted for the grader, which judges
it outside the kernel. Where the judges are present (solution notebooks and tests, trusted code)
the record is judged here, after a round trip through JSON as it would leave a kernel, and a wrong
answer raises CheckFailed.
"""
import importlib
import importlib.util
import json

from autograder.exercises import exercise_of
from autograder.exercises.probing import DEVICE, emit  # noqa: F401  (DEVICE: for the notebooks)

JUDGES = "autograder.exercises.judging"


def probe(check, answer):
    """The record `check`'s probe makes of `answer`."""
    exercise = exercise_of(check)
    if exercise is None:
        raise AttributeError(f"there is no hidden test called {check!r}")
    return getattr(importlib.import_module(f"autograder.exercises.{exercise}.probe"), check)(answer)


def run(check, answer):
    """Probe `answer`; judge the record here where the judges are, else hand it to the grader."""
    record = probe(check, answer)
    if importlib.util.find_spec(JUDGES) is None:
        emit(record)
        return
    importlib.import_module(JUDGES).judge(check, json.loads(json.dumps(record, allow_nan=False)))


def __getattr__(name):
    """`checks.<check>`: the check as a function of the answer (a module-level __getattr__)."""
    if name.startswith("__") or exercise_of(name) is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return lambda answer: run(name, answer)
