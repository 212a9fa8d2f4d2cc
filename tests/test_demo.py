"""The demo class, graded as instructors do, in one run: every submission scores what
autograder/demo/class.csv expects, and has its feedback page.

The class is graded once per test session (conftest's fixture `demo`, tests/demo_class.py);
test_merge.py grades it again in parts with the README's SLURM script and merges them, and
test_export.py exports its grades into an LMS roster.
"""
from autograder.demo import check_expected
from autograder.results import Row
from demo_class import read_rows


def test_demo_class_scores_as_expected(demo):
    rows = {key: Row(r["student_id"], r["assignment"], float(r["score"]), float(r["max_score"]), r["status"],
                     r["reason"], r["notes"], r["notebook"]) for key, r in read_rows(demo["single"]).items()}
    assert check_expected(rows, demo["expected"]) == []
    for row in rows.values():
        assert list((demo["single"] / "feedback" / row.student_id / row.assignment).glob("*.html"))
