"""The front door on a machine without bubblewrap: the demo class still grades (its answers are
this project's own), with one line saying the sandbox is off; real submissions are refused."""
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.demo import with_answers

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_bwrap(tmp_path):
    """A PATH with every program of this one except bubblewrap."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep) + [str(Path(sys.executable).parent)]:
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = os.path.join(directory, name)
            if name != "bwrap" and not (folder / name).exists() and os.access(target, os.X_OK):
                (folder / name).symlink_to(target)
    assert shutil.which("bwrap", path=str(folder)) is None
    return dict(os.environ, PATH=str(folder))


def test_demo_grades_without_the_sandbox_and_says_so_once(no_bwrap, monkeypatch, capsys, tmp_path):
    """`demo` (what `make` runs) turns the sandbox off, says why in one line, and grades."""
    from autograder import __main__ as cli
    from autograder import grade as grading
    from autograder import sandbox

    monkeypatch.setenv("PATH", no_bwrap["PATH"])
    # found out again, without bubblewrap (and forgotten after the test)
    monkeypatch.setattr(sandbox, "_problem", functools.cache(sandbox._problem.__wrapped__))
    seen = {}

    def grade(self, submissions):
        seen["sandbox"], seen["submissions"] = self.limits.sandbox, sorted(os.listdir(submissions))
        return {}

    monkeypatch.setattr(grading.ClassGrader, "grade", grade)
    cli.main(["demo", "--out", str(tmp_path / "demo")])
    err = capsys.readouterr().err
    assert seen["sandbox"] is False and "ada" in seen["submissions"]
    lines = [line for line in err.splitlines() if "sandbox is off" in line]
    assert len(lines) == 1 and "apt-get install bubblewrap" in lines[0], err
    assert "WARNING: --no-sandbox" not in err


def test_check_and_grade_refuse_real_submissions_without_it(no_bwrap, tmp_path):
    notebook = tmp_path / "01_lr_schedules.ipynb"
    import nbformat

    nbformat.write(with_answers("01_lr_schedules"), str(notebook))
    checked = subprocess.run([sys.executable, "-m", "autograder", "check", str(notebook)],
                             env=no_bwrap, capture_output=True, text=True, timeout=300)
    assert checked.returncode == 2 and "bubblewrap is not installed" in checked.stderr
    (tmp_path / "subs" / "ada" / "01_lr_schedules").mkdir(parents=True)
    graded = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "subs"),
                             "--out", str(tmp_path / "out")], env=no_bwrap, capture_output=True,
                            text=True, timeout=300)
    assert graded.returncode == 2 and "bubblewrap is not installed" in graded.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()
