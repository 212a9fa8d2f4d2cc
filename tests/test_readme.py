"""What the README tells people to run carries no answers to students."""
import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_the_students_workflow_holds_no_course():
    """The workflow a student's repository runs may not fetch the course (solutions, judges)."""
    blocks = re.findall(r"```yaml\n(.*?)```", README, re.S)
    workflows = [b for b in blocks if "jobs:" in b and "kind: Job" not in b]
    assert workflows, "no GitHub workflow in the README"
    for workflow in workflows:
        steps = [line.strip() for line in workflow.splitlines() if line.strip().startswith(("- ", "with:"))]
        assert sum("actions/checkout" in s for s in steps) == 1, steps
        assert not re.search(r"repository:|solutions|autograder|course", workflow), workflow
        assert "nbconvert" in workflow and "--execute" in workflow
