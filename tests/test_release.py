"""The student notebooks are generated from the solutions, in sync, and give nothing away."""
import os

import nbformat
from nbgrader.utils import is_solution

from autograder.course import NOTEBOOKS, assignment_ids
from autograder.release import check_release, leaks, write_if_changed


def test_student_notebooks_in_sync_and_leak_nothing():
    assert check_release() == []


def test_every_solution_has_a_student_notebook_with_stubs():
    for stem in assignment_ids():
        notebook = nbformat.read(str(NOTEBOOKS / f"{stem}.ipynb"), as_version=4)
        answers = [c for c in notebook.cells if is_solution(c)]
        for cell in answers:
            assert "raise NotImplementedError()" in cell.source


def test_leak_detector_catches_a_leak(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "x = 1\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS")])
    path = tmp_path / "leaky.ipynb"
    nbformat.write(notebook, str(path))
    assert leaks(path)


def test_release_leaves_unchanged_files_untouched(tmp_path):
    """`make release` writes a notebook only when its bytes change (a re-run rewrites nothing)."""
    path = tmp_path / "01.ipynb"
    path.write_bytes(b"same")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))    # long ago: a rewrite would show
    stamp = path.stat().st_mtime_ns
    write_if_changed(path, b"same")
    assert path.stat().st_mtime_ns == stamp
    write_if_changed(path, b"other")
    assert path.read_bytes() == b"other"
