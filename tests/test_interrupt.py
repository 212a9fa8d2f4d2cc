"""Ctrl-C half-way through a class loses nothing already graded, and the next run resumes."""
import csv
import json
import signal
import subprocess
import sys
import time

from autograder.bench import answered_class


def test_interrupted_run_keeps_results_and_resumes(tmp_path):
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    graded = answered_class(submissions, students=2, assignments=["01_lr_schedules", "02_gradient_clipping"])
    command = [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
               "--jobs", "1", "--quiet"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("results/*/*.json"))) < 2:
        time.sleep(0.2)
    run.send_signal(signal.SIGINT)
    run.wait(timeout=120)
    kept = {p: p.stat().st_mtime_ns for p in out.glob("results/*/*.json")}
    assert len(kept) >= 2
    for path in kept:
        assert json.loads(path.read_text())["row"]["score"] == 10
    with open(out / "grades.csv", newline="") as handle:
        assert len(list(csv.DictReader(handle))) >= 2

    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    with open(out / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 * len(graded) and all(r["score"] == "10" for r in rows)
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in kept.items()), "regraded kept results"
