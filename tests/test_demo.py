"""The demo class, graded as instructors do: in one run, and in shards merged afterwards; then its
grades exported into an LMS roster, and single notebooks checked for CI.

The class is graded once in one run and once as three shard processes side by side (module
fixture); the tests compare the two.
"""
import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.demo import build_submissions, check_expected, with_answers
from autograder.grade import Row, shard_of
from autograder.lms import fill

PARTS = 3


def grade_command(submissions, out, *extra):
    return [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
            "--quiet", *extra]


def read_rows(out):
    with open(Path(out) / "grades.csv", newline="") as handle:
        return {f"{r['student_id']}/{r['assignment']}": r for r in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    submissions = root / "submissions"
    expected = build_submissions(submissions)
    single = subprocess.run(grade_command(submissions, root / "single", "--jobs", "2"),
                            capture_output=True, text=True, timeout=1200)
    assert single.returncode == 0, single.stderr[-3000:]
    shards = [subprocess.Popen(grade_command(submissions, root / f"part{k}", "--jobs", "1", "--shard",
                                             f"{k}/{PARTS}"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for k in range(1, PARTS + 1)]
    for shard in shards:
        _, err = shard.communicate(timeout=1200)
        assert shard.returncode == 0, err[-3000:]
    merged = subprocess.run([sys.executable, "-m", "autograder", "merge",
                             *[str(root / f"part{k}") for k in range(1, PARTS + 1)], "--out", str(root / "merged")],
                            capture_output=True, text=True, timeout=600)
    assert merged.returncode == 0, merged.stderr[-3000:]
    return {"root": root, "submissions": submissions, "expected": expected}


def test_demo_class_scores_as_expected(demo):
    rows = {key: Row(r["student_id"], r["assignment"], float(r["score"]), float(r["max_score"]), r["status"],
                     r["reason"], r["notes"], r["notebook"]) for key, r in read_rows(demo["root"] / "single").items()}
    assert check_expected(rows, demo["expected"]) == []
    for row in rows.values():
        assert list((demo["root"] / "single" / "feedback" / row.student_id / row.assignment).glob("*.html"))


def test_shards_are_disjoint_and_cover_the_class(demo):
    parts = [set(read_rows(demo["root"] / f"part{k}")) for k in range(1, PARTS + 1)]
    whole = set(read_rows(demo["root"] / "single"))
    assert sum(len(p) for p in parts) == len(set().union(*parts)) == len(whole)
    assert set().union(*parts) == whole and all(parts), "every part holds some of the class"
    for k, part in enumerate(parts, start=1):
        assert all(shard_of(key.split("/")[0], PARTS) == k for key in part)


def test_each_student_always_lands_in_the_same_part():
    assert [shard_of("ada", 8) for _ in range(3)] == [shard_of("ada", 8)] * 3
    assert {shard_of(f"student{i}", 4) for i in range(200)} == {1, 2, 3, 4}


def test_merged_grades_are_byte_identical_to_one_run(demo):
    single = (demo["root"] / "single" / "grades.csv").read_bytes()
    assert (demo["root"] / "merged" / "grades.csv").read_bytes() == single


def test_merged_feedback_and_gradebook_hold_every_submission(demo):
    from nbgrader.api import Gradebook

    pages = lambda out: sorted(str(p.relative_to(out)) for p in (out / "feedback").rglob("*.html"))
    assert pages(demo["root"] / "merged") == pages(demo["root"] / "single")
    rows = read_rows(demo["root"] / "merged")
    with Gradebook(f"sqlite:///{demo['root'] / 'merged' / 'course' / 'gradebook.db'}") as gradebook:
        for key, row in rows.items():
            student, assignment = key.split("/")
            assert gradebook.find_submission(assignment, student).score == float(row["score"]), key


def test_merge_refuses_a_forged_result(demo, tmp_path):
    part = tmp_path / "part"
    shutil.copytree(demo["root"] / "part2", part)
    result = next(p for p in sorted(part.glob("results/*/*.json")) if '"score": 0.0' in p.read_text())
    result.write_text(result.read_text().replace('"score": 0.0', '"score": 10.0'))
    merged = subprocess.run([sys.executable, "-m", "autograder", "merge", str(part), "--out", str(tmp_path / "m")],
                            capture_output=True, text=True, timeout=600)
    assert merged.returncode == 1 and "not signed" in merged.stderr


# ---------------------------------------------------------------------------------------------
# LMS export

CANVAS = ("Student,ID,SIS User ID,SIS Login ID,Section\n"
          "    Points Possible,,,,\n"
          "\"Lovelace, Ada\",101,ada,ada@uni,A\n"
          "\"Nobody, Zed\",102,zed,zed@uni,A\n"
          "\"Dev, Dev\",103,dev,dev@uni,B\n")


def test_export_fills_a_canvas_roster(demo, tmp_path, capsys):
    from autograder.lms import export

    roster = tmp_path / "canvas.csv"
    roster.write_text(CANVAS)
    missing = export(demo["root"] / "single", roster, "SIS User ID", tmp_path / "filled.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "filled.csv").read_text())))
    assignments = sorted({r["assignment"] for r in read_rows(demo["root"] / "single").values()})
    assert rows[0] == CANVAS.splitlines()[0].split(",") + assignments
    assert rows[1][0].strip() == "Points Possible" and rows[1][5:] == ["10"] * len(assignments)
    assert [r[2] for r in rows[2:]] == ["ada", "zed", "dev"], "the roster's row order is kept"
    graded = read_rows(demo["root"] / "single")
    assert rows[2][5:] == [graded[f"ada/{a}"]["score"] for a in assignments]
    assert rows[3][5:] == [""] * len(assignments), "no submission: empty cells"
    assert set(missing) == {r["student_id"] for r in graded.values()} - {"ada", "dev"}
    assert "graded but not on the roster: ben" in capsys.readouterr().err


def test_export_works_with_any_id_column():
    text, missing = fill("ID number;Name\nx7;Ann\n", "ID number", {"x7": {"01": "5"}, "y": {"01": "0"}}, {"01": "10"})
    assert text.splitlines() == ["ID number;Name;01", "x7;Ann;5"] and missing == ["y"]


# ---------------------------------------------------------------------------------------------
# One notebook, one exit code

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
