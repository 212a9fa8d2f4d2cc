"""The built-in demo class grades to the scores autograder/demo/class.csv expects."""
from autograder.demo import build_submissions, check_expected
from autograder.grade import ClassGrader


def test_demo_class_scores_as_expected(tmp_path):
    expected = build_submissions(tmp_path / "submissions")
    rows = ClassGrader(tmp_path / "out", jobs=2, progress=False).grade(tmp_path / "submissions")
    assert check_expected(rows, expected) == []
    assert (tmp_path / "out" / "grades.csv").exists()
    for row in rows.values():
        assert list((tmp_path / "out" / "feedback" / row.student_id / row.assignment).glob("*.html"))
