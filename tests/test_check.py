"""`python -m autograder check`: one notebook, one exit code (for CI and for students)."""
import subprocess
import sys

import nbformat

from autograder.demo import with_answers


def run_check(path, *extra):
    return subprocess.run([sys.executable, "-m", "autograder", "check", str(path), *extra],
                          capture_output=True, text=True, timeout=900)


def test_check_exit_codes(tmp_path):
    good, blank = tmp_path / "01_lr_schedules.ipynb", tmp_path / "mine.ipynb"
    nbformat.write(with_answers("01_lr_schedules"), str(good))
    nbformat.write(with_answers("01_lr_schedules", {}), str(blank))
    passed = run_check(good)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "PASS  step_decay_lr_tests  5/5" in passed.stdout
    failed = run_check(blank, "--assignment", "01_lr_schedules")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAIL  step_decay_lr_tests  0/5" in failed.stdout and "NotImplementedError" in failed.stdout
    broken = tmp_path / "01_lr_schedules (1).ipynb"
    broken.write_text('{"cells": [')
    refused = run_check(broken)
    assert refused.returncode == 2 and "cannot be graded" in refused.stdout
    assert run_check(tmp_path / "missing.ipynb").returncode == 2
