"""The graded exercises: one folder each, found rather than registered.

autograder/exercises/<exercise>/ holds everything one exercise needs besides its notebook cells:

- `__init__.py`, its declaration: NOTEBOOK (the solution notebook's stem) and CHECKS ({check: the
  name in the answer cell that the check is given}). Each check's points and place are its
  notebook's cell `<check>_tests`, which calls `checks.<check>(...)`;
- `probe.py`, run in the (sandboxed) kernel: calls the student's code on the hidden inputs and
  returns a record of what came back, as plain data: no expected value, no reference answer;
- `judge.py`, run in the grader, in a process that never ran student code: rebuilds the inputs,
  computes the expected values and the known mistakes, and raises CheckFailed with one sentence;
- `corpus/correct/*.py`, `corpus/buggy/*.py`: answers its judge must pass and fail (a buggy one
  names the checks it fails in its first lines);
- `test_<exercise>.py`: what the judge must do beyond the corpus.

One name runs from notebook to judge: the answer cell is `<exercise>_answer`, each check is
`<exercise>_<aspect>` and its cell `<check>_tests`. A kernel sees only KERNEL_FILES of this package.
"""
import functools
import importlib
from pathlib import Path

HERE = Path(__file__).resolve().parent


@functools.cache
def names():
    """The exercises, in name order: every folder here with a declaration and a probe."""
    return tuple(sorted(p.name for p in HERE.iterdir()
                        if (p / "__init__.py").is_file() and (p / "probe.py").is_file()))


def declaration(exercise):
    return importlib.import_module(f"{__name__}.{exercise}")


@functools.cache
def exercise_of(check):
    """The exercise that declares `check`, or None."""
    return next((e for e in names() if check in declaration(e).CHECKS), None)


def answer_file(spec):
    """The corpus file `<exercise>/<kind>/<file>.py` names (class.csv's and the tests' spelling)."""
    exercise, answer = spec.split("/", 1)
    return HERE / exercise / "corpus" / answer


def kernel_files():
    """What a grading kernel may see of this package (paths relative to it): the probes, their
    harness and the declarations; never a judge or a corpus."""
    return ["__init__.py", "probing.py",
            *(f"{e}/{name}" for e in names() for name in ("__init__.py", "probe.py"))]
