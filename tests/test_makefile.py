"""The Makefile, the course's front door: `make` on a fresh clone leaves `git status` clean (issue
11), and its default goal does not run the solution notebooks.
"""
import os
import shutil
import subprocess
import sys

import pytest

from autograder.course import REPO


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


def test_make_on_a_fresh_clone_leaves_git_status_clean(clone, env_without_the_project):
    """`make` = setup + release + demo: release regenerates byte for byte what is committed and
    rewrites no file, and what setup, demo and the tests write is ignored by git."""
    watched = [*(clone / "notebooks").glob("*.ipynb"), clone / "README.md"]
    for path in watched:
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))   # long ago: a rewrite would show
    watched = {p: p.stat().st_mtime_ns for p in watched}
    run = subprocess.run([sys.executable, "-m", "autograder", "release"], cwd=clone,
                         env=env_without_the_project, capture_output=True, text=True, timeout=600)
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
