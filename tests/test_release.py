"""The student notebooks are generated from the solutions, in sync, and give nothing away."""
import nbformat

from autograder.course import NOTEBOOKS, assignment_ids
from autograder.release import check_release, leaks


def test_student_notebooks_in_sync_and_leak_nothing():
    assert check_release() == []


def test_every_solution_has_a_student_notebook_with_stubs():
    for stem in assignment_ids():
        notebook = nbformat.read(str(NOTEBOOKS / f"{stem}.ipynb"), as_version=4)
        answers = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
        for cell in answers:
            assert "raise NotImplementedError()" in cell.source


def test_leak_detector_catches_a_leak(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "x = 1\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS")])
    path = tmp_path / "leaky.ipynb"
    nbformat.write(notebook, str(path))
    assert leaks(path)
