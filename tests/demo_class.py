"""The demo class graded in one run, for the test files that read its grades (test_demo.py,
test_merge.py, test_export.py) through conftest's session fixture `demo`.

It is graded once per test session, by the first test that asks: under pytest-xdist the workers
share one folder for it (the session's, above each worker's own), and a lock makes the other
worker wait for that grading and read its result instead of grading the class again.
"""
import csv
import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.demo import build_submissions


def grade_command(submissions, out, *extra):
    return [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
            "--quiet", *extra]


def read_rows(out):
    with open(Path(out) / "grades.csv", newline="") as handle:
        return {f"{r['student_id']}/{r['assignment']}": r for r in csv.DictReader(handle)}


def graded_demo(tmp_path_factory):
    """{"submissions", "single" (the OUT of the run), "expected" (class.csv's rows)}."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    root, outcome = shared / "demo-class", shared / "demo-class.json"
    with open(shared / "demo-class.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)        # released when the file closes
        if not outcome.exists():
            shutil.rmtree(root, ignore_errors=True)
            expected = build_submissions(root / "submissions")
            single = subprocess.run(grade_command(root / "submissions", root / "single", "--jobs", "2"),
                                    capture_output=True, text=True, timeout=1200)
            outcome.write_text(json.dumps({"expected": expected, "returncode": single.returncode,
                                           "stderr": single.stderr[-3000:]}))
    graded = json.loads(outcome.read_text())
    assert graded["returncode"] == 0, graded["stderr"]
    return {"submissions": root / "submissions", "single": root / "single", "expected": graded["expected"]}
