"""Each student notebook runs alone, as in Colab: an empty directory, no repository on the path.

With the answer cells filled in it runs top to bottom without an error; as released (stubs),
only the graded test cells and what needs the answer fail, and they say why.
"""
import os

import nbformat
import pytest
from nbconvert.preprocessors import ExecutePreprocessor
from nbgrader.utils import is_grade

from autograder.course import NOTEBOOKS, assignment_ids
from autograder.demo import with_answers


def run_alone(notebook, workdir, monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    runner = ExecutePreprocessor(timeout=300, kernel_name="python3", allow_errors=True)
    runner.preprocess(notebook, {"metadata": {"path": str(workdir)}})
    return [(i, o) for i, c in enumerate(notebook.cells) for o in c.get("outputs", [])
            if o.get("output_type") == "error"]


@pytest.mark.parametrize("stem", assignment_ids())
def test_answered_student_notebook_runs_alone(stem, tmp_path, monkeypatch):
    assert run_alone(with_answers(stem), tmp_path, monkeypatch) == []
    assert sorted(os.listdir(tmp_path)) in ([], ["figures"])


@pytest.mark.parametrize("stem", assignment_ids())
def test_released_stub_fails_only_where_the_answer_is_needed(stem, tmp_path, monkeypatch):
    """As the autograder runs it (NBGRADER_EXECUTION=autograde: the notebooks skip their
    experiments and figures, whose errors this test does not judge; the answered run above runs
    them all)."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    student = nbformat.read(str(NOTEBOOKS / f"{stem}.ipynb"), as_version=4)
    errors = run_alone(student, tmp_path, monkeypatch)
    graded = {i for i, c in enumerate(student.cells) if is_grade(c)}
    assert errors, "the blank notebook should fail its visible tests"
    assert graded & {i for i, _ in errors}, "the visible tests did not fail on the stub"
    for index, error in errors:
        if index in graded:
            assert "NotImplementedError" in error["evalue"] or "not answered" in error["evalue"].lower() \
                or "raise NotImplementedError" in error["evalue"], error["evalue"]
