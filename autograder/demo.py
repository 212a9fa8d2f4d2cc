"""The built-in demo class: a handful of submissions, made from the released notebooks.

autograder/demo/class.csv lists each student's answer (`solution`, `blank`, or a file of the
answer corpus), any editor damage to apply, and the score the grader must give. Building the
notebooks from notebooks/ keeps the demo in step with the course.
"""
import copy
import csv
import shutil
from pathlib import Path

import nbformat

from .course import AUTOGRADER, NOTEBOOKS, SOLUTIONS

CLASS_FILE = AUTOGRADER / "demo" / "class.csv"


def read_class(path=CLASS_FILE):
    with open(path, newline="") as handle:
        return [row for row in csv.DictReader(handle) if not row["student_id"].startswith("#")]


def answer_cell(notebook):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution"))


def answer_text(spec, assignment):
    if spec == "solution":
        return answer_cell(nbformat.read(str(SOLUTIONS / f"{assignment}.ipynb"), as_version=4)).source
    return (AUTOGRADER / "corpus" / spec).read_text()


def damage(notebook, kind):
    """What editors do to notebooks: strip nbgrader metadata, or a Colab round trip."""
    if kind in ("strip-metadata", "colab"):
        for cell in notebook.cells:
            cell.metadata = {}
    if kind == "colab":
        notebook.nbformat_minor = 0
        notebook.metadata = {"colab": {"provenance": []}, "accelerator": "GPU",
                             "kernelspec": {"name": "python3", "display_name": "Python 3"}}
        for index, cell in enumerate(notebook.cells):
            cell.pop("id", None)
            cell.metadata = {"id": f"colab{index:04d}"}
    return notebook


def build_submissions(destination):
    """Write the demo class under `destination` in nbgrader's layout; returns the rows."""
    destination = Path(destination)
    shutil.rmtree(destination, ignore_errors=True)
    rows = read_class()
    for row in rows:
        assignment = row["assignment"]
        notebook = nbformat.read(str(NOTEBOOKS / f"{assignment}.ipynb"), as_version=4)
        notebook = copy.deepcopy(notebook)
        if row["answer"] != "blank":
            answer_cell(notebook).source = answer_text(row["answer"], assignment)
        notebook = damage(notebook, row["damage"])
        folder = destination / row["student_id"] / assignment
        folder.mkdir(parents=True)
        name = row.get("file_name") or f"{assignment}.ipynb"
        text = nbformat.writes(notebook, version=4) if row["damage"] != "colab" else \
            nbformat.writes(notebook, version=4).replace('"nbformat_minor": 5', '"nbformat_minor": 0')
        (folder / name).write_text(text)
    return rows


def check_expected(rows, expected):
    """Differences between graded rows and the scores class.csv expects."""
    problems = []
    for want in expected:
        got = rows.get(f"{want['student_id']}/{want['assignment']}")
        if got is None:
            problems.append(f"{want['student_id']}/{want['assignment']}: no row")
        elif abs(got.score - float(want["expected_score"])) > 1e-9:
            problems.append(f"{want['student_id']}/{want['assignment']}: score {got.score:g}, "
                            f"expected {want['expected_score']} ({got.reason})")
    return problems
