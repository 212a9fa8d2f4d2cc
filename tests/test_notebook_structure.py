"""The notebooks' shape (issue 11): visible tests a student can read, answers to every "Think
about it", claims that report on a student's run and fail CI, and a course that runs from any
folder. (`make` on a fresh clone: test_makefile.py; `make figures`: test_figures.py; `jupyter
nbconvert --execute` from another folder: test_solutions.py.)
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import is_grade, is_locked

from autograder.course import NOTEBOOKS, REPO, SOLUTIONS, assignment_ids, is_test_cell

MAX_TEST_LINES = 25
VERSIONS = {"solution": SOLUTIONS, "student": NOTEBOOKS}


def read(folder, stem):
    return nbformat.read(str(folder / f"{stem}.ipynb"), as_version=4)


def graded_tests(notebook):
    return [i for i, c in enumerate(notebook.cells) if is_test_cell(c)]


# The notebooks with a graded exercise (the helper-cell rules apply to them alone).
GRADED = [stem for stem in assignment_ids() if graded_tests(read(SOLUTIONS, stem))]


def helper_cells(notebook):
    """Locked code cells that are neither answer nor test, tagged `grading`: the test machinery."""
    return [i for i, c in enumerate(notebook.cells)
            if c.cell_type == "code" and is_locked(c) and not is_grade(c)     # nor an answer: not locked
            and "grading" in c.metadata.get("tags", [])]


def non_empty_lines(source):
    return sum(1 for line in source.splitlines() if line.strip())


# 6. Visible tests a student can read -----------------------------------------------------------
@pytest.mark.parametrize("stem", assignment_ids())
def test_student_test_cells_are_short(stem):
    notebook = read(NOTEBOOKS, stem)
    long = {i: non_empty_lines(notebook.cells[i].source) for i in graded_tests(notebook)}
    long = {i: n for i, n in long.items() if n > MAX_TEST_LINES}
    assert not long, (f"notebooks/{stem}.ipynb: test cells over {MAX_TEST_LINES} non-empty lines "
                      f"(cell: lines): {long}; move the machinery into the helper cell")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("stem", GRADED)
def test_one_locked_helper_cell_before_the_tests(stem, version):
    notebook = read(VERSIONS[version], stem)
    tests = graded_tests(notebook)
    helpers = helper_cells(notebook)
    assert len(helpers) == 1, (f"{version} {stem}: want exactly one locked code cell tagged "
                               f"'grading' holding the test machinery, found cells {helpers}")
    assert helpers[0] < tests[0], f"{version} {stem}: the helper cell comes after the first test"


@pytest.mark.parametrize("stem", GRADED)
def test_failures_still_name_a_likely_cause(stem):
    notebook = read(NOTEBOOKS, stem)
    text = "\n".join(notebook.cells[i].source for i in helper_cells(notebook) + graded_tests(notebook))
    assert "Likely cause" in text, f"notebooks/{stem}.ipynb: the visible tests lost their 'Likely cause' hints"


# 7. Answers to every "Think about it" ----------------------------------------------------------
def think_about_it(notebook):
    """Markdown cells asking "Think about it" questions (not the answer cells themselves)."""
    return [i for i, c in enumerate(notebook.cells) if c.cell_type == "markdown"
            and "think about it" in c.source.lower() and "<details>" not in c.source]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("stem", assignment_ids())
def test_every_think_about_it_has_folded_answers_right_after(stem, version):
    notebook = read(VERSIONS[version], stem)
    for index in think_about_it(notebook):
        after = notebook.cells[index + 1] if index + 1 < len(notebook.cells) else None
        answered = (after is not None and after.cell_type == "markdown"
                    and "<details>" in after.source and "</details>" in after.source)
        assert answered, f"{version} {stem}: cell {index} asks 'Think about it'; the next cell holds no <details> answers"


def test_the_course_has_think_about_it_questions_in_both_versions():
    counts = {v: sum(len(think_about_it(read(f, s))) for s in assignment_ids()) for v, f in VERSIONS.items()}
    assert counts["solution"] > 0 and counts["solution"] == counts["student"], counts


# 2. Claims: reported on a student's run, fatal in CI ------------------------------------------
CLAIM_PROBE = r"""
import io, json, os, sys, contextlib
import nbformat
notebook = nbformat.read(sys.argv[1], as_version=4)
setup = next(c.source for c in notebook.cells if c.cell_type == "code")
result = {"defines": "def check_claim" in setup}
if not result["defines"]:
    print("RESULT" + json.dumps(result))
    sys.exit(0)
for strict in (False, True):
    if strict:
        os.environ["LR_COURSE_STRICT"] = "1"
    else:
        os.environ.pop("LR_COURSE_STRICT", None)
    namespace, out = {}, io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(setup, "setup cell", "exec"), namespace)
        for holds in (True, False):
            try:
                namespace["check_claim"](holds, "the loss falls", "loss 2.30 -> 2.41")
                raised = None
            except AssertionError as error:
                raised = str(error)
            result[f"strict={strict} holds={holds}"] = raised
        printed = out.getvalue()
    result[f"strict={strict} printed"] = printed
print("RESULT" + json.dumps(result))
"""


@pytest.mark.parametrize("stem", assignment_ids())
def test_check_claim_reports_for_students_and_fails_strictly(stem, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LR_COURSE_STRICT")}
    env["MPLBACKEND"] = "Agg"
    run = subprocess.run([sys.executable, "-c", CLAIM_PROBE, str(NOTEBOOKS / f"{stem}.ipynb")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.split("RESULT", 1)[1])
    assert result["defines"], f"notebooks/{stem}.ipynb: the first code cell defines no check_claim"
    # A student's run: a claim that fails is said plainly, nothing is raised, the notebook goes on.
    assert result["strict=False holds=True"] is None and result["strict=False holds=False"] is None
    lenient = result["strict=False printed"]
    assert "✓" in lenient and "the loss falls" in lenient
    assert "did not hold" in lenient and "loss 2.30 -> 2.41" in lenient, lenient
    # CI's run (LR_COURSE_STRICT=1): the same failed claim stops the notebook.
    assert result["strict=True holds=True"] is None
    assert result["strict=True holds=False"] is not None, "a failed claim did not raise under LR_COURSE_STRICT=1"


def test_solution_runs_are_strict(tmp_path):
    """execute_solution (CI, `make figures`) runs kernels with LR_COURSE_STRICT=1: a claim that
    fails stops the run."""
    from nbclient.exceptions import CellExecutionError

    from autograder.solutions import execute_notebook

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\nprint(os.environ.get('LR_COURSE_STRICT'))"),
        nbformat.v4.new_code_cell("assert os.environ.get('LR_COURSE_STRICT') == '1'\n"
                                  "raise AssertionError('On this run the claim did not hold: forced')")])
    before = os.environ.get("LR_COURSE_STRICT")
    with pytest.raises(CellExecutionError, match="did not hold"):
        execute_notebook(notebook, tmp_path, timeout=60)
    assert notebook.cells[0].outputs[0]["text"].strip() == "1"
    assert os.environ.get("LR_COURSE_STRICT") == before, "execute_notebook changed the caller's environment"


# 8. Runs from anywhere --------------------------------------------------------------------------
INSTALL_PROBE = r"""
import json
from importlib.metadata import PackageNotFoundError, distribution
import autograder
try:
    files = [str(f) for f in distribution("lr-schedules-and-clipping").files or []]
except PackageNotFoundError:
    files = None
print(json.dumps({"module": autograder.__file__, "files": files}))
"""


def test_the_project_is_installed_editable_without_copying_the_grading_code(tmp_path, env_without_the_project):
    """`make setup` installs the project: `autograder` imports from any folder, from this
    checkout; site-packages holds only a pointer to it, which the grading sandbox (it mounts the
    venv, not the project) cannot follow."""
    probe = subprocess.run([sys.executable, "-c", INSTALL_PROBE], cwd=tmp_path,
                           env=env_without_the_project, capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, f"`autograder` does not import outside the project: run `make setup`\n{probe.stderr}"
    found = json.loads(probe.stdout)
    assert Path(found["module"]).resolve() == (REPO / "autograder" / "__init__.py").resolve()
    assert found["files"] is not None, "the project is not installed into this environment: run `make setup`"
    copied = [f for f in found["files"] if f.startswith("autograder/")]
    assert not copied, f"the install copied the grading code into site-packages: {copied[:5]}"
