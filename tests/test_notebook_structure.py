"""The notebooks' shape (issue 11): visible tests a student can read, answers to every "Think
about it", claims that report on a student's run and fail CI, and a course that runs from any
folder and leaves a fresh clone clean.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.course import NOTEBOOKS, REPO, SOLUTIONS, assignment_ids

MAX_TEST_LINES = 25
VERSIONS = {"solution": SOLUTIONS, "student": NOTEBOOKS}


def read(folder, stem):
    return nbformat.read(str(folder / f"{stem}.ipynb"), as_version=4)


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def graded_tests(notebook):
    return [i for i, c in enumerate(notebook.cells)
            if c.cell_type == "code" and nbgrader(c).get("grade") and not nbgrader(c).get("solution")]


# The notebooks with a graded exercise (the helper-cell rules apply to them alone).
GRADED = [stem for stem in assignment_ids() if graded_tests(read(SOLUTIONS, stem))]


def helper_cells(notebook):
    """Locked code cells that are neither answer nor test, tagged `grading`: the test machinery."""
    return [i for i, c in enumerate(notebook.cells)
            if c.cell_type == "code" and nbgrader(c).get("locked") and not nbgrader(c).get("grade")
            and not nbgrader(c).get("solution") and "grading" in c.metadata.get("tags", [])]


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
def environment_without_the_project():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LR_COURSE_STRICT")}
    env.update(MPLBACKEND="Agg", LR_COURSE_STRICT="1")
    return env


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


def test_the_project_is_installed_editable_without_copying_the_grading_code(tmp_path):
    """`make setup` installs the project: `autograder` imports from any folder, from this
    checkout; site-packages holds only a pointer to it, which the grading sandbox (it mounts the
    venv, not the project) cannot follow."""
    probe = subprocess.run([sys.executable, "-c", INSTALL_PROBE], cwd=tmp_path,
                           env=environment_without_the_project(), capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, f"`autograder` does not import outside the project: run `make setup`\n{probe.stderr}"
    found = json.loads(probe.stdout)
    assert Path(found["module"]).resolve() == (REPO / "autograder" / "__init__.py").resolve()
    assert found["files"] is not None, "the project is not installed into this environment: run `make setup`"
    copied = [f for f in found["files"] if f.startswith("autograder/")]
    assert not copied, f"the install copied the grading code into site-packages: {copied[:5]}"


# The quickest solution notebook that imports the hidden checks (about 25 s on 2 cores).
NBCONVERT_STEM = "01_lr_schedules"


def test_nbconvert_executes_a_solution_from_another_folder(tmp_path):
    """`jupyter nbconvert --to notebook --execute` as CI and instructors run it: no PYTHONPATH,
    a working directory outside the project. (A copy of the notebook runs, so its figures land
    in the scratch folder, not in solutions/figures.)"""
    folder, elsewhere = tmp_path / "course", tmp_path / "elsewhere"
    folder.mkdir(), elsewhere.mkdir()
    shutil.copyfile(SOLUTIONS / f"{NBCONVERT_STEM}.ipynb", folder / f"{NBCONVERT_STEM}.ipynb")
    jupyter = Path(sys.executable).parent / "jupyter"
    run = subprocess.run([str(jupyter), "nbconvert", "--to", "notebook", "--execute",
                          "--output", str(tmp_path / "executed.ipynb"), str(folder / f"{NBCONVERT_STEM}.ipynb")],
                         cwd=elsewhere, env=environment_without_the_project(),
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    assert list((folder / "figures").glob("*.png")), "the notebook wrote no figure beside itself"
    assert not list(elsewhere.iterdir())


def tracked_files():
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [name for name in listed.split("\0") if name]


def git(folder, *args):
    return subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid",
                           "-c", "commit.gpgsign=false", *args],
                          cwd=folder, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def clone(tmp_path):
    """A stand-in for a fresh clone of this checkout (committed and uncommitted files alike, the
    ignored ones left out), committed in a repository of its own."""
    assert shutil.which("git") and (REPO / ".git").exists(), "this test needs git and a git checkout"
    root = tmp_path / "clone"
    for name in tracked_files():
        source, target = REPO / name, root / name
        if not source.exists() and not source.is_symlink():
            continue                           # deleted in the working tree
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "clone")
    return root


def test_make_on_a_fresh_clone_leaves_git_status_clean(clone):
    """`make` = setup + release + demo: release regenerates byte for byte what is committed and
    rewrites no file, and what setup, demo and the tests write is ignored by git."""
    watched = [*(clone / "notebooks").glob("*.ipynb"), clone / "README.md"]
    for path in watched:
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))   # long ago: a rewrite would show
    watched = {p: p.stat().st_mtime_ns for p in watched}
    run = subprocess.run([sys.executable, "-m", "autograder", "release"], cwd=clone,
                         env=environment_without_the_project(), capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert str(clone / "notebooks") in run.stdout, "release ran on another checkout than the clone"
    assert git(clone, "status", "--porcelain") == "", "`make release` changed committed files: run it and commit"
    assert {p: p.stat().st_mtime_ns for p in watched} == watched, "release rewrote a file it did not change"
    made_by_make = [".venv/.installed", ".venv/lib/python3.11/site-packages/x.py",
                    "lr_schedules_and_clipping.egg-info/PKG-INFO", "build/lib/autograder/__init__.py",
                    "out/demo/grades.csv", "out/demo/feedback/ada/01_lr_schedules/01_lr_schedules.html",
                    "tests/__pycache__/x.pyc", "autograder/__pycache__/course.cpython-311.pyc"]
    for name in made_by_make:
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        (clone / name).write_text("made by make\n")
    assert git(clone, "status", "--porcelain") == "", "what `make` writes must be ignored by git"


def test_makefile_default_goal_does_not_run_the_solutions():
    """`make` must not regenerate figures (that is `make figures`, which writes only changed
    pictures): executing the solutions on another machine may redraw a curve."""
    makefile = (REPO / "Makefile").read_text()
    all_line = next(line for line in makefile.splitlines() if line.startswith("all:"))
    assert "figures" not in all_line.split(":", 1)[1].split(), all_line
    assert "pyproject.toml" in makefile and "-e ." in makefile, "make setup must install the project"


# 8. Figures: rewritten only when the picture changed ----------------------------------------
def draw(path, shift=0.0, software="Matplotlib", scale=1.0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = np.cumsum(np.random.default_rng(0).normal(size=2000)) * scale
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(y + shift)
    ax.set_title("loss")
    fig.savefig(path, dpi=110, metadata={"Software": software})
    plt.close(fig)
    return path


def test_same_picture_ignores_bytes_and_rendering_noise(tmp_path):
    from autograder.figures import same_picture

    first = draw(tmp_path / "a.png")
    resaved = draw(tmp_path / "b.png", software="another matplotlib")
    assert first.read_bytes() != resaved.read_bytes()
    assert same_picture(first, resaved)
    assert same_picture(first, draw(tmp_path / "noise.png", scale=1 + 1e-7))       # float round-off
    assert not same_picture(first, draw(tmp_path / "moved.png", shift=3.0))       # a visible change
    assert not same_picture(first, draw(tmp_path / "drift.png", scale=1 + 1e-2))


def test_same_picture_on_a_committed_figure_re_encoded(tmp_path):
    from PIL import Image

    from autograder.figures import same_picture

    committed = sorted((SOLUTIONS / "figures").glob("*.png"))[0]
    with Image.open(committed) as image:
        image.save(tmp_path / "reencoded.png", compress_level=1)
    assert (tmp_path / "reencoded.png").read_bytes() != committed.read_bytes()
    assert same_picture(committed, tmp_path / "reencoded.png")
    with Image.open(committed) as image:
        image.convert("RGB").resize((image.width // 2, image.height // 2)).save(tmp_path / "smaller.png")
    assert not same_picture(committed, tmp_path / "smaller.png")


def test_make_figures_writes_only_changed_pictures(tmp_path, monkeypatch):
    from autograder import figures as figures_module

    committed = tmp_path / "committed"
    committed.mkdir()
    draw(committed / "same.png")
    draw(committed / "moved.png")
    for path in committed.iterdir():
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))   # long ago: a rewrite would show
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in committed.iterdir()}

    def fake_run(stem, workdir, timeout=300):
        figures = Path(workdir) / "figures"
        figures.mkdir(exist_ok=True)
        draw(figures / "same.png", software="a newer matplotlib")
        draw(figures / "moved.png", shift=3.0)
        draw(figures / "new.png")
        return None, {}

    monkeypatch.setattr(figures_module, "execute_solution", fake_run)
    report = figures_module.regenerate_figures(stems=["fake"], figures=committed)
    assert report == {"moved.png": "changed", "new.png": "new", "same.png": "unchanged"}
    assert (committed / "same.png").read_bytes() == before["same.png"][0]
    assert (committed / "same.png").stat().st_mtime_ns == before["same.png"][1]
    assert (committed / "moved.png").read_bytes() != before["moved.png"][0]
    assert (committed / "new.png").exists()
