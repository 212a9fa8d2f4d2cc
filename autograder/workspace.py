"""OUT/course: the nbgrader course a class is graded against, built from solutions/ and signed by
the grader that built it (OUT/course/course.json), so a rerun reuses it only while neither the
solutions, the grading code nor a released file changed; with its released notebooks, their
points and the gradebook's recorder."""
import hashlib
import shutil
import sys
from pathlib import Path

import nbformat

from .course import SOLUTIONS
from .course_cache import build_course_cached
from .exercises import names as exercise_names
from .files import digest
from .gradebook import Recorder, manual_work, set_aside_if_unreadable

PACKAGE = Path(__file__).parent


def solutions_digest(assignments):
    """What a course and its grades are built from: the solution notebooks and every file of the
    grading code (a change to any of them regrades the class)."""
    files = [SOLUTIONS / f"{a}.ipynb" for a in assignments]
    files += sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".j2") and "__pycache__" not in p.parts)
    return hashlib.sha256("".join(digest(f) for f in files).encode()).hexdigest()


def _points(notebook):
    """The most a notebook's graded cells can score."""
    return float(sum(c.metadata["nbgrader"].get("points", 0) for c in notebook.cells
                     if c.metadata.get("nbgrader", {}).get("grade")))


class Workspace:
    """The course in OUT/course for `assignments`, its stamp signed with `signer`. After
    prepare(): `released` {assignment: path}, `released_notebooks`, `max_scores` and `recorder`
    (gradebook.Recorder)."""

    def __init__(self, out, assignments, signer):
        self.out = Path(out)
        self.course = self.out / "course"
        self.assignments = assignments
        self.signer = signer

    def manifest(self):
        """sha256 of every file of the released and source notebooks (not the gradebook)."""
        return {str(p.relative_to(self.course)): digest(p)
                for folder in ("release", "source") for p in sorted((self.course / folder).rglob("*"))
                if p.is_file()}

    def is_intact(self, wanted):
        saved = self.signer.read_verified(self.course / "course.json")
        return bool(saved) and saved.get("solutions") == wanted and \
            saved.get("manifest") == self.manifest()

    def prepare(self, force=False, progress=False, voided=()):
        """Build OUT/course from solutions/ unless this grader built it, signed it, and neither
        the solutions nor any released file changed since (`force`: build it anyway); the
        folders in `voided` hold what was graded against the course, and go when it is rebuilt."""
        if not exercise_names():
            raise FileNotFoundError("autograder/exercises/ holds no exercise: without the hidden "
                                    "checks every answer would score 0, so nothing is graded")
        wanted = solutions_digest(self.assignments)
        aside = set_aside_if_unreadable(self.course, self.out) if self.course.is_dir() else None
        carried = {}
        if aside and progress:
            print(f"the gradebook could not be read: kept as {aside.name}; a new one is built by "
                  f"grading the class again", file=sys.stderr)
        lost = self.course.is_dir() and not (self.course / "gradebook.db").exists()
        if force or lost or not self.is_intact(wanted):
            carried = manual_work(self.course)      # put back as each submission is recorded
            self._rebuild(wanted, voided)
        self.released = {a: self.course / "release" / a / f"{a}.ipynb" for a in self.assignments}
        self.released_notebooks = {a: nbformat.read(str(path), as_version=4)
                                   for a, path in self.released.items()}
        self.max_scores = {a: _points(notebook) for a, notebook in self.released_notebooks.items()}
        self.recorder = Recorder(self.course, carried)

    def _rebuild(self, wanted, voided):
        shutil.rmtree(self.course, ignore_errors=True)
        for folder in voided:
            shutil.rmtree(folder, ignore_errors=True)
        build_course_cached(self.course, self.assignments, wanted)
        self.signer.write_signed(self.course / "course.json",
                                 {"solutions": wanted, "manifest": self.manifest()})

    def max_score(self, assignment):
        return self.max_scores.get(assignment, 0.0)
