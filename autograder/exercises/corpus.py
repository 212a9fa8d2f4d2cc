"""The exercises' answer corpora (autograder/exercises/<exercise>/corpus/{correct,buggy}/*.py):
loading an answer as a notebook cell would define it, and running its exercise's checks on it.

Every correct answer must pass all checks of its exercise; every buggy one must fail at least one,
with a one-line message (where its first lines say `# expect: ...`, with that likely cause, or
with none and a concrete failing case for `# expect: no cause`; where they say `# fails: ...`,
exactly the checks named there fail). The demo class draws its answers
from here too.
"""
import functools
import math

import numpy as np
import torch

from autograder import checks, exercises
from autograder.exercises.judging import CheckFailed


def corpus_of(exercise):
    return exercises.HERE / exercise / "corpus"


def exercise_of_file(path):
    """The exercise whose corpus holds `path` (…/<exercise>/corpus/<kind>/<file>.py)."""
    return path.parents[2].name


def checks_of(exercise):
    """((check, the name in the answer cell it is given), ...) of `exercise`."""
    return tuple(exercises.declaration(exercise).CHECKS.items())


def corpus_files(kind=None):
    return sorted(p for exercise in exercises.names() for p in corpus_of(exercise).glob(f"{kind or '*'}/*.py"))


def corpus_id(path):
    return f"{exercise_of_file(path)}/{path.parent.name}/{path.stem}"


def namespace_of(path):
    """The names an answer file defines, exec'd as the notebook would (torch, math, np, nn, F exist)."""
    namespace = {"torch": torch, "math": math, "np": np, "nn": torch.nn, "F": torch.nn.functional}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def load(path, name=None):
    """The object an answer file defines (the first check's answer unless `name` is given)."""
    return namespace_of(path)[name or checks_of(exercise_of_file(path))[0][1]]


@functools.cache
def run_checks(path):
    """(None or the CheckFailed message, ...) for each check of the answer's exercise."""
    namespace = namespace_of(path)
    results = []
    for check, name in checks_of(exercise_of_file(path)):
        try:
            getattr(checks, check)(namespace[name])
            results.append(None)
        except CheckFailed as failure:
            results.append(str(failure))
    return tuple(results)


def comment(path, key):
    """The value of a `# key: value` line among the first three lines, or None."""
    for line in path.read_text().splitlines()[:3]:
        if line.startswith(f"# {key}: "):
            return line[len(f"# {key}: "):]
    return None


def warm_judges(assignments=None):
    """Judge each exercise's reference answer once, in the grader before it forks its workers:
    the judges' cached reference runs are then inherited, where each worker (one per submission)
    would otherwise compute them again. Only the exercises of `assignments` (default: all): a
    class that hands in one notebook pays for its judges alone. One torch thread, so no thread
    pool exists at the fork; skipped where the probes would run on a GPU (CUDA must not be
    started in a process that forks)."""
    from autograder.exercises.probing import DEVICE

    if DEVICE.type != "cpu":
        return
    torch.set_num_threads(1)
    for exercise in exercises.names():
        if assignments is not None and exercises.declaration(exercise).NOTEBOOK not in assignments:
            continue
        answers = sorted(corpus_of(exercise).glob("correct/*.py"), key=lambda p: p.stem != "reference")
        if answers:
            run_checks(answers[0])
