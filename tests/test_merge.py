"""merge trusts the course key it is given, never a part: a part that signs itself, overlaps
another on a student id, or carries a page or notebook its grader did not sign is refused before
anything is written. (Merging real parts byte for byte: tests/test_demo.py.)"""
import hashlib
import json
import subprocess
import sys

import pytest

from autograder.merge import MergeError, collect
from autograder.trust import Signer, create_key

PAGE = "<html><body>ok</body></html>"


def make_part(root, key, student, folder=None, score=10.0, page=PAGE):
    """A part as `grade --key` leaves it: one signed result and its feedback page."""
    signer = Signer(key)
    assignment = "01_lr_schedules"
    row = {"student_id": student, "assignment": assignment, "score": score, "max_score": 10.0,
           "status": "graded", "reason": "", "notes": "", "notebook": f"{assignment}.ipynb"}
    payload = {"row": row, "file": "x", "sha256": "0" * 64, "cells": [], "executed": "",
               "pages": {f"{assignment}.html": hashlib.sha256(PAGE.encode()).hexdigest()}}
    result = root / "results" / (folder or student) / f"{assignment}.json"
    result.parent.mkdir(parents=True)
    result.write_text(json.dumps(signer.signed(payload)))
    pages = root / "feedback" / student / assignment
    pages.mkdir(parents=True)
    (pages / f"{assignment}.html").write_text(page)
    return root


@pytest.fixture
def course_key(tmp_path):
    return create_key(tmp_path / "course.key")


def test_parts_signed_with_the_course_key_are_collected(tmp_path, course_key):
    parts = [make_part(tmp_path / "p1", course_key, "ada"), make_part(tmp_path / "p2", course_key, "ben")]
    found = collect(parts, Signer(course_key, create=False))
    assert sorted(found) == [("ada", "01_lr_schedules"), ("ben", "01_lr_schedules")]


def test_a_part_that_signs_itself_is_refused(tmp_path, course_key):
    forged = make_part(tmp_path / "forged", tmp_path / "forged" / ".grader-key", "zed")
    with pytest.raises(MergeError, match="not signed with the course key"):
        collect([make_part(tmp_path / "p1", course_key, "ada"), forged], Signer(course_key, create=False))


def test_an_overlap_on_the_student_id_is_refused_whatever_the_folder_is_called(tmp_path, course_key):
    parts = [make_part(tmp_path / "p1", course_key, "ada"),
             make_part(tmp_path / "p2", course_key, "ada", folder="someone-else", score=0.0)]
    with pytest.raises(MergeError, match="ada/01_lr_schedules was graded in both"):
        collect(parts, Signer(course_key, create=False))


def test_a_page_changed_after_signing_is_refused(tmp_path, course_key):
    part = make_part(tmp_path / "p1", course_key, "ada")
    page = part / "feedback" / "ada" / "01_lr_schedules" / "01_lr_schedules.html"
    page.write_text("<script>alert(1)</script>")
    with pytest.raises(MergeError, match="differs from what its grader signed"):
        collect([part], Signer(course_key, create=False))


def test_the_command_refuses_without_a_key_and_with_a_forged_part(tmp_path, course_key):
    forged = make_part(tmp_path / "forged", tmp_path / "forged" / ".grader-key", "zed")
    command = [sys.executable, "-m", "autograder", "merge", str(forged), "--out", str(tmp_path / "m")]
    missing = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "--key" in missing.stderr
    refused = subprocess.run(command + ["--key", str(course_key)], capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode == 1 and "not signed with the course key" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "m" / "grades.csv").exists()


def test_a_key_is_made_once_and_kept(tmp_path):
    path = tmp_path / "k" / "course.key"
    first = create_key(path).read_bytes()
    assert len(first) == 32 and (path.stat().st_mode & 0o777) == 0o600
    assert create_key(path).read_bytes() == first



def test_grade_refuses_a_course_key_that_does_not_exist(tmp_path):
    """A typo in --key must not give a part a key of its own (merge would refuse it only after all
    the grading): one line, exit 2, nothing made."""
    missing = tmp_path / "typo.key"
    (tmp_path / "subs").mkdir()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "subs"), "--out",
                           str(tmp_path / "out"), "--key", str(missing), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "there is no key" in done.stderr and "Traceback" not in done.stderr
    assert not missing.exists()


def test_merging_into_one_of_the_parts_is_refused(tmp_path, course_key):
    part = make_part(tmp_path / "p1", course_key, "ada")
    from autograder.merge import merge

    with pytest.raises(MergeError, match="is one of the parts"):
        merge([part], part, course_key)
