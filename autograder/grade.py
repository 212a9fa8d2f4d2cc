"""Grade a class: every submission gets a row, whatever it holds, and nothing is lost.

Layout in: SUBMISSIONS/<student_id>/<assignment_id>/<any name>.ipynb (nbgrader's).
Layout out: OUT/grades.csv, OUT/feedback/<student>/<assignment>/*.html, OUT/course/ (the
nbgrader course with its gradebook.db), OUT/results/ (one JSON per submission, so an
interrupted run resumes where it stopped).
"""
import contextlib
import csv
import errno
import hashlib
import io
import json
import math
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .course import SOLUTIONS, assignment_ids, build_course
from .execute import Limits
from . import feedback
from .gradebook import Recorder, manual_work, set_aside_if_unreadable
from .printable import csv_cell, one_line
from .supervise import Job, Supervisor, start_template
from .trust import Signer
from .verdict import row_reason, score, unjudged_results

# `manual`: "yes" where an instructor's manual score (formgrader) is part of `score`
COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "reason", "notes",
           "notebook", "manual"]
TEXT_COLUMNS = ("reason", "notes", "notebook")


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


@dataclass
class Row:
    student_id: str
    assignment: str
    score: float
    max_score: float
    status: str               # graded | incomplete | broken | grader-error
    reason: str = ""
    notes: str = ""
    notebook: str = ""

    def __post_init__(self):
        """Text that came from a submission, on one line with its control characters escaped,
        wherever the row goes (grades.csv, the table, `check`, the feedback summary)."""
        for name in ("student_id", "assignment", "reason", "notes", "notebook"):
            setattr(self, name, one_line(getattr(self, name)))


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def atomic_write(path, text):
    """Write via a temporary file and a rename: a crash leaves the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# --- finding submissions -------------------------------------------------------------------

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


def plain_page(row, cells=(), why="Your notebook could not be graded."):
    """The page of a submission without an executed notebook: broken, or stopped half-way."""
    return feedback.plain_page(row.assignment, row.student_id, row.score, row.max_score, cells,
                               [why, row.reason])


class GraderFailure(RuntimeError):
    """The grader, not the student, failed on a submission (its row says grader-error)."""


class OutInUse(RuntimeError):
    """Another grader is writing this OUT; the message names it."""


# Errors of the machine, not of a submission: the run stops at the first (a full disk fails every
# later write too) and says so in one line; the rows written so far are kept.
RESOURCE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}
ADVICE = {errno.ENOSPC: "free some space", errno.EDQUOT: "free some space (disk quota)",
          errno.EROFS: "give an --out on a writable file system",
          errno.EACCES: "fix the permissions, or give another --out",
          errno.EPERM: "fix the permissions, or give another --out"}


def resource_problem(error):
    """The one line for an OSError of the machine (full disk, read-only, no permission), naming
    the path and what to do; None for any other error."""
    if not isinstance(error, OSError) or error.errno not in RESOURCE_ERRNOS:
        return None
    where = f" ({error.filename})" if error.filename else ""
    return (f"{error.strerror or os.strerror(error.errno)}{where}: {ADVICE[error.errno]} and run "
            f"the same command again; what was graded so far is kept")


@contextlib.contextmanager
def sole_writer(out):
    """Hold OUT/.lock (fcntl) while grading: two runs on one OUT would fight over its gradebook
    and results. Sharded parts each have their own OUT, so they never wait on each other."""
    import fcntl
    import socket

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise OutInUse(f"{out} is being graded by {holder}; wait for it to finish, or give "
                           f"this run another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()


class ClassGrader:
    """Grades one class into OUT; reuses what an earlier run of the same course left there."""

    def __init__(self, out, jobs=None, force=False, limits=None, progress=True, shard=None,
                 assignments=None, key=None, warm=True):
        self.out = Path(out)
        self.warm = warm                    # kernels forked from a warm template (template.py)
        self.jobs = jobs or os.cpu_count() or 1
        self.force = force
        self.limits = (limits or Limits()).shared_by(self.jobs)    # threads: a share of the cores
        self.progress = progress
        self.course = self.out / "course"
        self.results = self.out / "results"
        self.shard = shard                  # (k, N): grade only the k-th of N parts, k from 1
        self.assignments = assignments or assignment_ids()     # the course's, unless narrowed
        # A course key must exist already (`key FILE`): a typo would otherwise sign each part
        # with a key of its own, and merge would refuse them only after all the grading.
        self.signer = Signer(key or self.out / ".grader-key", create=key is None)
        self.cell_results = {}              # key -> [{grade_id, passed, score, points, reason}]

    # course ---------------------------------------------------------------------------
    def solutions_digest(self):
        """What the course and its grades are built from: the solution notebooks and every file
        of the grading code (a change to any of them regrades the class)."""
        package = Path(__file__).parent
        files = [SOLUTIONS / f"{a}.ipynb" for a in self.assignments]
        files += sorted(package.glob("*.py")) + sorted(package.glob("checks/*.py")) + \
            sorted(package.glob("probes/*.py"))
        return hashlib.sha256("".join(digest(f) for f in files).encode()).hexdigest()

    def course_manifest(self):
        """sha256 of every file of the released and source notebooks (not the gradebook)."""
        return {str(p.relative_to(self.course)): digest(p)
                for folder in ("release", "source") for p in sorted((self.course / folder).rglob("*"))
                if p.is_file()}

    def course_is_intact(self, wanted):
        stamp = self.course / "course.json"
        try:
            saved = self.signer.verified(json.loads(stamp.read_text()))
        except (OSError, ValueError):
            return False
        return bool(saved) and saved.get("solutions") == wanted and \
            saved.get("manifest") == self.course_manifest()

    def prepare_course(self):
        """Build OUT/course from solutions/ unless this grader built it, signed it, and neither
        the solutions nor any released file changed since."""
        if not (Path(__file__).parent / "checks" / "__init__.py").exists():
            raise FileNotFoundError("autograder/checks/ is missing: without the hidden checks "
                                    "every answer would score 0, so nothing is graded")
        wanted = self.solutions_digest()
        aside = set_aside_if_unreadable(self.course, self.out) if self.course.is_dir() else None
        carried = {}
        if aside and self.progress:
            print(f"the gradebook could not be read: kept as {aside.name}; a new one is built by "
                  f"grading the class again", file=sys.stderr)
        lost = self.course.is_dir() and not (self.course / "gradebook.db").exists()
        if self.force or lost or not self.course_is_intact(wanted):
            carried = manual_work(self.course)      # put back as each submission is recorded
            shutil.rmtree(self.course, ignore_errors=True)
            shutil.rmtree(self.results, ignore_errors=True)
            build_course(self.course, self.assignments)
            atomic_write(self.course / "course.json", json.dumps(self.signer.signed(
                {"solutions": wanted, "manifest": self.course_manifest()}), indent=1))
        self.released = {a: self.course / "release" / a / f"{a}.ipynb" for a in self.assignments}
        self.released_notebooks = {a: nbformat.read(str(path), as_version=4)
                                   for a, path in self.released.items()}
        self.max_scores = {a: _points(notebook) for a, notebook in self.released_notebooks.items()}
        self.recorder = Recorder(self.course, carried)

    # results --------------------------------------------------------------------------
    def result_path(self, submission):
        return self.results / submission.student / f"{submission.assignment}.json"

    def cached_row(self, submission):
        """The row saved by an earlier run for this very file, if this grader signed it."""
        path = self.result_path(submission)
        if self.force or not path.exists() or submission.path is None:
            return None
        try:
            saved = self.signer.verified(json.loads(path.read_text()))
            if not saved or saved.get("sha256") != digest(submission.path) or \
                    saved.get("file") != str(submission.path) or saved.get("limits") != self.limits_key():
                return None
            if not self.artefacts_intact(submission, saved):
                return None             # graded again: that rebuilds the page and the entry
            self.cell_results[submission.key] = saved.get("cells", [])
            return Row(**saved["row"])
        except (OSError, ValueError, TypeError):
            return None

    def artefacts_intact(self, submission, saved):
        """Whether what a signed result vouches for is still in OUT: its feedback pages (by
        sha256) and its submission in the gradebook (manual grades there are the gradebook's)."""
        folder = self.out / "feedback" / submission.student / submission.assignment
        for name, sha256 in saved.get("pages", {}).items():
            page = folder / name
            if not page.is_file() or digest(page) != sha256:
                return False
        return (submission.student, submission.assignment) in self.recorder.submissions()

    def limits_key(self):
        """The limits a result was graded under (a rerun with other limits regrades): all but
        the thread count, which follows --jobs and changes no verdict."""
        return {k: v for k, v in asdict(self.limits).items() if k != "threads"}

    def save(self, submission, row, sha256, pages, executed):
        """Sign and keep the row with all it vouches for: the bytes graded (their sha256), the
        judge's cell results, the feedback pages and the executed notebook (their sha256)."""
        payload = {"row": asdict(row), "file": str(submission.path) if submission.path else "",
                   "sha256": sha256, "cells": self.cell_results.get(submission.key, []),
                   "pages": {name: hashlib.sha256(page.encode()).hexdigest()
                             for name, page in pages.items()},
                   "executed": digest(executed) if executed else "", "limits": self.limits_key()}
        atomic_write(self.result_path(submission), json.dumps(self.signer.signed(payload), indent=1))

    def write_csv(self, rows):
        """grades.csv: the judge's rows, with an instructor's manual scores where given."""
        manual = self.recorder.final_scores() if getattr(self, "recorder", None) else {}
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        for row in sorted(rows.values(), key=lambda r: (r.student_id, r.assignment)):
            final = manual.get((row.student_id, row.assignment))
            cells = {**asdict(row), "score": f"{row.score if final is None else final:g}",
                     "max_score": f"{row.max_score:g}", "manual": "" if final is None else "yes"}
            writer.writerow({k: csv_cell(v) if k in TEXT_COLUMNS else v for k, v in cells.items()})
        atomic_write(self.out / "grades.csv", buffer.getvalue())

    # grading --------------------------------------------------------------------------
    def max_score(self, assignment):
        return self.max_scores.get(assignment, 0.0)

    def finish(self, submission, outcome):
        """Turn a worker's outcome into a gradebook entry, a feedback page and a row; returns
        (row, pages by file name, the executed notebook's path or None)."""
        student, assignment = submission.student, submission.assignment
        notes = submission.notes + outcome.get("notes", [])
        name = submission.path.name if submission.path else ""
        maximum = self.max_score(assignment)
        if "crash" in outcome:
            raise GraderFailure(outcome["crash"])
        if submission.problem or "broken" in outcome or "vanished" in outcome:
            reason = submission.problem or outcome.get("broken") or outcome["vanished"]
            if assignment in self.released:
                self.recorder.record_without_notebook(student, assignment, [], reason)
            row = Row(student, assignment, 0.0, maximum, "broken", reason, "; ".join(notes), name)
            return row, {f"{assignment}.html": plain_page(row)}, None
        if "stopped" in outcome:
            cells = unjudged_results(self.released_notebooks[assignment], outcome["cells"],
                                     outcome["stopped"])
            self.cell_results[submission.key] = cells
            total = self.recorder.record_without_notebook(student, assignment, cells,
                                                          outcome["stopped"])
            row = Row(student, assignment, total, maximum, "incomplete", row_reason(cells),
                      "; ".join(notes + [outcome["stopped"]]), name)
            return row, {f"{assignment}.html": plain_page(
                row, cells, "Your notebook was stopped before every test had run.")}, None
        cells = outcome["cells"]
        self.cell_results[submission.key] = cells
        executed = nbformat.reads(outcome["notebook"], as_version=4)
        total, executed_path = self.recorder.record(student, assignment, executed, cells)
        if total != score(cells):
            raise GraderFailure(f"the gradebook holds {total:g} points where the judge gave "
                                f"{score(cells):g}")
        incidents = outcome.get("incidents", [])
        row = Row(student, assignment, total, maximum, "incomplete" if incidents else "graded",
                  row_reason(cells), "; ".join(notes + incidents), name)
        return row, {f"{assignment}.html": outcome["feedback"]}, executed_path

    def write_pages(self, row, pages):
        folder = self.out / "feedback" / row.student_id / row.assignment
        for stale in folder.glob("*.html") if folder.is_dir() else []:
            if stale.name not in pages:
                stale.unlink()
        for page_name, page in pages.items():
            atomic_write(folder / page_name, page)

    def grade(self, submissions_dir):
        """Grade every submission under `submissions_dir`; returns the rows by key."""
        with sole_writer(self.out):
            self.template = start_template(self.limits, self.warm)    # warms while we prepare
            try:
                return self._grade(submissions_dir)
            finally:
                if self.template is not None:
                    self.template.close()

    def _grade(self, submissions_dir):
        start = time.monotonic()
        if self.limits.sandbox:
            from .sandbox import check_available

            check_available()       # refuse, naming the package, rather than grade unconfined
        self.prepare_course()
        submissions = [s for s in discover(submissions_dir, set(self.released))
                       if self.shard is None or shard_of(s.student, self.shard[1]) == self.shard[0]]
        rows, todo = {}, []
        for submission in submissions:
            cached = self.cached_row(submission)
            if cached:
                rows[submission.key] = cached
            else:
                todo.append(submission)
        progress = {"done": len(rows), "failures": sum(r.score < r.max_score for r in rows.values())}
        total = len(submissions)
        self._report(progress, total, start, f"{progress['done']} already graded"
                     if progress["done"] else "starting")

        def settle(submission, outcome, sha256=""):
            saved = False
            try:
                row, pages, executed = self.finish(submission, outcome)
                self.write_pages(row, pages)
                if "vanished" not in outcome and sha256 is not None:
                    self.save(submission, row, sha256, pages, executed)
                    saved = True
            except Exception as error:
                if resource_problem(error):
                    raise           # the machine's fault: stop the run (one line, exit 2)
                detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
                row = Row(submission.student, submission.assignment, 0.0,
                          self.max_score(submission.assignment), "grader-error",
                          "The grader itself failed on this submission (not the student's fault): "
                          f"{type(error).__name__}: {detail}",
                          notebook=submission.path.name if submission.path else "")
            if not saved:      # an earlier result must not stand in for this one (cache, merge)
                self.result_path(submission).unlink(missing_ok=True)
            rows[submission.key] = row
            progress["done"] += 1
            progress["failures"] += row.score < row.max_score
            self.write_csv(rows)
            self._report(progress, total, start, f"{one_line(submission.key)}: {row.score:g}/"
                         f"{row.max_score:g} {row.status}")

        jobs, by_key = [], {}
        for submission in todo:
            if submission.path is None or submission.problem:
                settle(submission, {})
                continue
            by_key[submission.key] = submission
            jobs.append(Job(submission.key, submission.student, submission.assignment,
                            submission.path, self.released[submission.assignment],
                            SOLUTIONS / f"{submission.assignment}.ipynb", self.limits))
        if jobs:
            self._announce(len(jobs))
        said = False
        with contextlib.closing(Supervisor(self.jobs, self.limits, warm=self.warm,
                                           template=self.template).run(jobs)) as outcomes:
            for job, outcome in outcomes:   # closing: Ctrl-C in settle() ends the workers at once
                if outcome.get("enforcement") and not said and self.progress:
                    print(f"sandbox: {outcome['enforcement']}", file=sys.stderr, flush=True)
                    said = True
                settle(by_key[job.key], outcome, outcome.get("sha256"))
        self.recorder.refresh()     # the last grades.csv takes the gradebook as it is now
        self.write_csv(rows)
        manual = self.recorder.final_scores()      # the table shows what grades.csv says
        return {key: row if (row.student_id, row.assignment) not in manual else
                Row(**{**asdict(row), "score": manual[(row.student_id, row.assignment)]})
                for key, row in rows.items()}

    def announced_seconds(self, count):
        """The longest `count` notebooks can take: each its deadline, `jobs` at a time, and a
        worker that crashed once is retried."""
        return 2 * math.ceil(count / self.jobs) * self.limits.deadline()

    def _announce(self, count):
        if self.progress:
            print(f"grading {count} notebooks, {self.jobs} at a time; each gets at most "
                  f"{self.limits.deadline():.0f} s ({self.limits.budget:.0f} s budget + "
                  f"{self.limits.grace:.0f} s to start and judge), so at most "
                  f"{self.announced_seconds(count):.0f} s in all", file=sys.stderr, flush=True)

    def _report(self, progress, total, start, last):
        if self.progress:
            print(f"[{progress['done']:>4}/{total}] {time.monotonic() - start:6.1f}s  below max: "
                  f"{progress['failures']}  {last}", file=sys.stderr, flush=True)


def _points(notebook):
    """The most a notebook's graded cells can score."""
    return float(sum(c.metadata["nbgrader"].get("points", 0) for c in notebook.cells
                     if c.metadata.get("nbgrader", {}).get("grade")))


def print_table(rows, stream=sys.stdout):
    width = max([len(r.student_id) for r in rows.values()] + [7])
    print(f"{'student':<{width}}  {'assignment':<24} {'score':>9}  status      reason", file=stream)
    for row in sorted(rows.values(), key=lambda r: (r.student_id, r.assignment)):
        reason = row.reason if len(row.reason) < 90 else row.reason[:87] + "..."
        print(f"{row.student_id:<{width}}  {row.assignment:<24} {row.score:>4g}/{row.max_score:<4g}"
              f"  {row.status:<11} {reason}", file=stream)
