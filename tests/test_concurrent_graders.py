"""Graders on one machine share nothing: three `grade` runs started at once, each with its own
TMPDIR (one inside its work folder), one of them grading a submission that spawns processes up
to its limit; every honest submission gets exactly the grade it gets alone (class.csv's)."""
import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.demo import demo_answers, read_class, with_answers

SPAWNER = '''
import os, time
children = []
try:
    for _ in range(400):            # up to (and past) the sandbox's process limit
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
except OSError:
    pass
time.sleep(20)
'''
GRADERS = {   # grader -> the demo class's (student, assignment) it grades
    "first": [("ada", "01_lr_schedules"), ("dev", "01_lr_schedules")],
    "second": [("eli", "02_gradient_clipping"), ("dev", "02_gradient_clipping")],
    "spawning": [("ada", "02_gradient_clipping")],
}


def write(folder, student, assignment, notebook):
    path = folder / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook, str(path))


def test_graders_started_together_keep_every_solo_grade(tmp_path):
    expected = {(r["student_id"], r["assignment"]): float(r["expected_score"]) for r in read_class()}
    plan = {(r["student_id"], r["assignment"]): r["answer"] for r in read_class()}
    runs = {}
    for name, cases in GRADERS.items():
        work = tmp_path / name
        submissions = work / "submissions"
        for student, assignment in cases:
            write(submissions, student, assignment,
                  with_answers(assignment, demo_answers(plan[(student, assignment)], assignment)))
        if name == "spawning":
            (grade_id, source), = demo_answers("solution", "02_gradient_clipping").items()
            write(submissions, "spawner", "02_gradient_clipping",
                  with_answers("02_gradient_clipping", {grade_id: source + SPAWNER}))
        scratch = work / "tmp" if name != "second" else tmp_path / f"tmp-{name}"
        scratch.mkdir()
        env = dict(os.environ, TMPDIR=str(scratch))
        runs[name] = subprocess.Popen(
            [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(work / "out"),
             "--jobs", "2", "--quiet", "--cell-timeout", "60"], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
    for name, run in runs.items():
        output, _ = run.communicate(timeout=900)
        assert run.returncode == 0, f"{name}:\n{output[-3000:]}"
    for name, cases in GRADERS.items():
        with open(tmp_path / name / "out" / "grades.csv", newline="") as handle:
            rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(handle)}
        for case in cases:
            assert float(rows[case]["score"]) == expected[case], (name, case, rows[case])
        if name == "spawning":
            spawner = rows[("spawner", "02_gradient_clipping")]
            assert "process limit" in spawner["reason"] + spawner["notes"], spawner
