"""Find the submissions of a class: one per student folder and assignment folder.

Layout: SUBMISSIONS/<student_id>/<assignment_id>/<any name>.ipynb (nbgrader's).
"""
import hashlib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Submission:
    student: str
    assignment: str
    path: Path = None         # the notebook graded; None when there is none to grade
    problem: str = ""         # why there is nothing to grade
    notes: list = field(default_factory=list)

    @property
    def key(self):
        return f"{self.student}/{self.assignment}"


def _visible(path):
    return not path.name.startswith((".", "_")) and path.name != "__MACOSX"


def discover(submissions_dir, known_assignments):
    """One Submission per student folder and assignment folder, in a stable order."""
    found = []
    for student_dir in sorted(p for p in Path(submissions_dir).iterdir() if p.is_dir() and _visible(p)):
        for folder in sorted(p for p in student_dir.iterdir() if p.is_dir() and _visible(p)):
            submission = Submission(student_dir.name, folder.name)
            notebooks = sorted((p for p in folder.glob("*.ipynb") if _visible(p) and p.is_file()),
                               key=lambda p: (p.stat().st_mtime, p.name))
            if folder.name not in known_assignments:
                submission.problem = (f"'{folder.name}' is not an assignment of this course "
                                      f"(expected one of: {', '.join(sorted(known_assignments))}).")
            elif not notebooks:
                submission.problem = "The folder holds no .ipynb file: nothing was submitted."
            else:
                submission.path = notebooks[-1]
                if len(notebooks) > 1:
                    submission.notes.append(f"{len(notebooks)} notebooks in the folder; graded the "
                                            f"newest, {notebooks[-1].name}")
            found.append(submission)
    return found


def shard_of(student, parts):
    """The part (1..parts) a student always lands in: a hash of the id, not of the order."""
    return int(hashlib.sha256(student.encode()).hexdigest(), 16) % parts + 1


def in_shard(submissions, shard):
    """The submissions of part `shard` = (k, N) of the class; all of them when shard is None."""
    return [s for s in submissions if shard is None or shard_of(s.student, shard[1]) == shard[0]]
