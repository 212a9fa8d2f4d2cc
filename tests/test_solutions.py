"""Every solution notebook executes top to bottom (its claims and hidden tests included) and
regenerates its figures. It runs strictly (LR_COURSE_STRICT=1, as in CI): a claim of the text that
does not hold fails the run instead of being reported.

One of them (NBCONVERT_STEM) runs as CI and instructors run it: `jupyter nbconvert --to notebook
--execute` on a copy, with no PYTHONPATH, from a working directory outside the project."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.course import SOLUTIONS, assignment_ids
from autograder.solutions import execute_solution

# The quickest solution notebook that imports the hidden checks.
NBCONVERT_STEM = "01_lr_schedules"


def nbconvert_from_elsewhere(stem, tmp_path, env):
    """Run a copy of solutions/<stem>.ipynb with the jupyter command from an empty folder; the
    figures land beside the copy (tmp_path/figures), nothing in the folder it ran from."""
    elsewhere, executed = tmp_path / "elsewhere", tmp_path / "executed.ipynb"
    elsewhere.mkdir()
    shutil.copyfile(SOLUTIONS / f"{stem}.ipynb", tmp_path / f"{stem}.ipynb")
    jupyter = Path(sys.executable).parent / "jupyter"
    run = subprocess.run([str(jupyter), "nbconvert", "--to", "notebook", "--execute",
                          "--output", str(executed), str(tmp_path / f"{stem}.ipynb")],
                         cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    assert not list(elsewhere.iterdir()), "the run wrote into the folder it was started from"
    return nbformat.read(str(executed), as_version=4)


@pytest.mark.parametrize("stem", assignment_ids())
def test_solution_executes_and_writes_its_figures(stem, tmp_path, env_without_the_project):
    if stem == NBCONVERT_STEM:
        notebook = nbconvert_from_elsewhere(stem, tmp_path, env_without_the_project)
    else:
        notebook, _ = execute_solution(stem, workdir=tmp_path)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    printed = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", [])
                      if o.get("output_type") == "stream")
    assert "did not hold" not in printed, f"{stem}: a claim did not hold:\n{printed}"
    written = {p.name for p in (tmp_path / "figures").glob("*.png")}
    assert written, f"{stem} wrote no figure"
    committed = {p.name for p in (SOLUTIONS / "figures").glob("*.png")}
    assert written <= committed, f"figures not committed: {written - committed}"


# How a solution notebook saves a figure: save(fig, "name") writes figures/name.png.
SAVED = re.compile(r"""\bsave\(\s*\w+\s*,\s*["']([\w-]+)["']""")


def test_the_committed_figures_are_those_the_solutions_save():
    """Read from the notebooks' source, without running them: every figure a solution notebook
    saves is committed, and every committed figure is saved by one (`make figures` never deletes)."""
    saved = {}
    for stem in assignment_ids():
        notebook = nbformat.read(str(SOLUTIONS / f"{stem}.ipynb"), as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                saved.update({f"{name}.png": stem for name in SAVED.findall(cell.source)})
    committed = {p.name for p in (SOLUTIONS / "figures").glob("*.png")}
    assert saved, "no solution notebook saves a figure with save(fig, \"name\")"
    missing = {name: saved[name] for name in set(saved) - committed}
    assert not missing, f"saved by a solution notebook, not committed (run `make figures`): {missing}"
    assert not committed - set(saved), f"committed, saved by no solution notebook: {committed - set(saved)}"
