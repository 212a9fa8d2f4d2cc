"""Each student notebook runs alone, as in Colab: an empty directory, no repository on the path.

With the answer cells filled in it runs top to bottom without an error; as released (stubs),
only the graded test cells and what needs the answer fail, and they say why.

Its experiments and figures are the solution's, cell for cell (the student notebook is the
solution without its answers and hidden tests, and no other cell needs the repository: checked
below), and test_solutions.py runs every one of them, strictly. So the runs here skip them
(NBGRADER_EXECUTION=autograde, as the autograder does) instead of training every model twice.
"""
import os
import re

import nbformat
import pytest
from nbconvert.preprocessors import ExecutePreprocessor
from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import is_grade

from autograder.course import NOTEBOOKS, SOLUTIONS, assignment_ids
from autograder.demo import with_answers

GRADING_IMPORT = re.compile(r"^\s*(from|import)\s+autograder\b", re.M)


def run_alone(notebook, workdir, monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")     # experiments: see the module's docstring
    runner = ExecutePreprocessor(timeout=300, kernel_name="python3", allow_errors=True)
    runner.preprocess(notebook, {"metadata": {"path": str(workdir)}})
    return [(i, o) for i, c in enumerate(notebook.cells) for o in c.get("outputs", [])
            if o.get("output_type") == "error"]


@pytest.mark.parametrize("stem", assignment_ids())
def test_answered_student_notebook_runs_alone(stem, tmp_path, monkeypatch):
    assert run_alone(with_answers(stem), tmp_path, monkeypatch) == []
    assert sorted(os.listdir(tmp_path)) in ([], ["figures"])


@pytest.mark.parametrize("stem", assignment_ids())
def test_the_answered_student_notebook_is_the_solution_without_hidden_tests(stem):
    """What lets the runs above skip the experiments: every code cell of the answered student
    notebook is the solution's cell with its hidden tests cut out (by nbgrader's own
    ClearHiddenTests), and only hidden tests import the grading code (the one thing a solution
    run has that a Colab runtime lacks)."""
    student = [c.source for c in with_answers(stem).cells if c.cell_type == "code"]
    solution, _ = ClearHiddenTests().preprocess(nbformat.read(str(SOLUTIONS / f"{stem}.ipynb"), as_version=4), {})
    shown = [c.source for c in solution.cells if c.cell_type == "code"]
    assert len(student) == len(shown)
    for index, (ours, theirs) in enumerate(zip(student, shown)):
        assert ours == theirs, f"code cell {index} differs from the solution's"
        assert not GRADING_IMPORT.search(theirs), \
            f"code cell {index} uses the grading code outside its hidden tests: it would fail in Colab"


@pytest.mark.parametrize("stem", assignment_ids())
def test_released_stub_fails_only_where_the_answer_is_needed(stem, tmp_path, monkeypatch):
    """As the autograder runs it (run_alone: the notebooks skip their experiments and figures)."""
    student = nbformat.read(str(NOTEBOOKS / f"{stem}.ipynb"), as_version=4)
    errors = run_alone(student, tmp_path, monkeypatch)
    graded = {i for i, c in enumerate(student.cells) if is_grade(c)}
    assert errors, "the blank notebook should fail its visible tests"
    assert graded & {i for i, _ in errors}, "the visible tests did not fail on the stub"
    for index, error in errors:
        if index in graded:
            assert "NotImplementedError" in error["evalue"] or "not answered" in error["evalue"].lower() \
                or "raise NotImplementedError" in error["evalue"], error["evalue"]
