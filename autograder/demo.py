"""The built-in demo class: a handful of submissions, made from the released notebooks.

autograder/demo/class.csv lists each student's answer (`solution`, `blank`, or a file of the
answer corpus), any editor damage to apply, and the score the grader must give. Building the
notebooks from notebooks/ keeps the demo in step with the course.
"""
import copy
import csv
import json
import shutil
from pathlib import Path

import nbformat

from . import exercises
from .course import AUTOGRADER, NOTEBOOKS, solution_answers

CLASS_FILE = AUTOGRADER / "demo" / "class.csv"


def read_class(path=CLASS_FILE):
    with open(path, newline="") as handle:
        return [row for row in csv.DictReader(handle) if not row["student_id"].startswith("#")]


def with_answers(assignment, answers=None):
    """The released student notebook with answer cells filled in: `answers` maps grade ids to
    sources (default: the solution's answers); cells it does not name keep their stub."""
    notebook = nbformat.read(str(NOTEBOOKS / f"{assignment}.ipynb"), as_version=4)
    answers = solution_answers(assignment) if answers is None else answers
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def demo_answers(spec, assignment):
    """{grade_id: source} for a class.csv answer: `blank`, `solution`, or a corpus file
    `<exercise>/<kind>/<file>.py` (which answers the cell `<exercise>_answer`)."""
    if spec == "blank":
        return {}
    solution = solution_answers(assignment)
    if spec == "solution":
        return solution
    exercise = spec.split("/", 1)[0]        # the other exercises of the notebook: answered right
    return {**solution, f"{exercise}_answer": exercises.answer_file(spec).read_text()}


def damaged_bytes(notebook, kind=""):
    """The notebook file as an editor leaves it: `strip-metadata` (VS Code, copy-paste) drops
    every cell's metadata; `colab` also writes Colab's own metadata, cell ids and format 4.0."""
    notebook = copy.deepcopy(notebook)
    if kind in ("strip-metadata", "colab"):
        for cell in notebook.cells:
            cell.metadata = {}
    data = json.loads(nbformat.writes(notebook, version=4))
    if kind == "colab":
        data["nbformat_minor"] = 0
        data["metadata"] = {"colab": {"provenance": [], "gpuType": "T4"}, "accelerator": "GPU",
                            "kernelspec": {"name": "python3", "display_name": "Python 3"}}
        for index, cell in enumerate(data["cells"]):
            cell.pop("id", None)
            cell["metadata"] = {"id": f"colab{index:04d}", "colab": {"base_uri": "https://localhost/"}}
    return json.dumps(data, indent=1).encode()


def build_submissions(destination):
    """Write the demo class under `destination` in nbgrader's layout; returns the rows."""
    destination = Path(destination)
    shutil.rmtree(destination, ignore_errors=True)
    rows = read_class()
    for row in rows:
        assignment = row["assignment"]
        notebook = with_answers(assignment, demo_answers(row["answer"], assignment))
        folder = destination / row["student_id"] / assignment
        folder.mkdir(parents=True)
        name = row.get("file_name") or f"{assignment}.ipynb"
        (folder / name).write_bytes(damaged_bytes(notebook, row["damage"]))
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
