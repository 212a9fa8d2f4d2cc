"""Grade a class: every submission gets a row, whatever it holds, and nothing is lost.

Layout in: SUBMISSIONS/<student_id>/<assignment_id>/<any name>.ipynb (nbgrader's).
Layout out: OUT/grades.csv, OUT/feedback/<student>/<assignment>/*.html, OUT/course/ (the
nbgrader course with its gradebook.db), OUT/results/ (one JSON per submission, so an
interrupted run resumes where it stopped).
"""
import csv
import hashlib
import hmac
import html
import io
import json
import multiprocessing
import os
import shutil
import signal
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .course import SOLUTIONS, assignment_ids, build_course
from .execute import Limits, run_notebook
from .feedback import render, with_summary
from .gradebook import Recorder
from .submission import UnreadableNotebook, build_graded_notebook, cells_grading_needs
from .verdict import apply_verdicts, cell_results

COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "reason", "notes",
           "notebook"]


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


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def atomic_write(path, text):
    """Write via a temporary file and a rename: a crash leaves the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


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


# --- the parallel part: read, rebuild, execute -----------------------------------------------

def execute_submission(path, released_path, solution_path, limits):
    """Runs in a worker process, which never runs student code itself: the kernel does, in its
    sandbox. Returns a plain dict (the scored notebook as JSON text, its feedback page)."""
    released = nbformat.read(str(released_path), as_version=4)
    solution = nbformat.read(str(solution_path), as_version=4)
    try:
        graded = build_graded_notebook(Path(path).read_bytes(), released, solution)
    except UnreadableNotebook as problem:
        return {"broken": str(problem)}
    execution = run_notebook(graded.notebook, limits, only=cells_grading_needs(graded.notebook))
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
             if c.metadata.get("nbgrader", {}).get("grade")}
    verdicts = apply_verdicts(graded.notebook, tests, execution.records, execution.overflowed)
    cells = cell_results(graded.notebook, verdicts)
    html, score = render(graded.notebook, Path(released_path).stem, Path(path).parent.parent.name)
    html = with_summary(html, cells)
    notes = graded.warnings + [f"output of cell {i} cut at {limits.output_chars} characters"
                               for i in sorted(execution.truncated)]
    if not limits.sandbox:
        notes.append("graded WITHOUT the sandbox (--no-sandbox)")
    return {"notebook": nbformat.writes(graded.notebook), "feedback": html, "feedback_score": score,
            "cells": cells,
            "incidents": [f"{i.kind} in cell {i.cell_index}: {i.message}" for i in execution.incidents],
            "notes": notes}


def _worker_setup():
    """Judges run small reference computations; one thread each leaves the cores to kernels.
    Ctrl-C is the parent's to handle: it stops the workers itself (see _stop_workers)."""
    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(1)


def _stop_workers():
    """End the workers now: the pool would let each finish its submission (and the one queued
    behind it), minutes at class scale. Their kernels die with them (bwrap --die-with-parent),
    and what they were grading is graded again on the next run."""
    for worker in multiprocessing.active_children():
        worker.terminate()


# --- the sequential part: gradebook, reasons, feedback ---------------------------------------

def first_failure(notebook):
    """One sentence: why the first failing test cell failed, and the answer cell's error if any."""
    answer_errors = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not errors:
            continue
        error = errors[0]
        if meta.get("solution"):
            answer_errors[meta["grade_id"]] = _describe(error)
        elif meta.get("grade"):
            message = str(error.get("evalue", "")) if error.get("ename") == "HiddenTestFailed" \
                else _describe(error)
            if answer_errors and message.startswith(("NameError", "NotRun", "AttributeError")):
                grade_id, answer_error = next(iter(answer_errors.items()))
                return f"{meta['grade_id']}: the answer cell {grade_id} raised {answer_error}"
            return f"{meta['grade_id']}: {message}"
    return ""


def _describe(error):
    name, value = error.get("ename", "Error"), str(error.get("evalue", "")).strip()
    if name == "NotImplementedError":
        return "NotImplementedError: the exercise is not answered yet (the stub still raises it)."
    return f"{name}: {value}" if value else f"{name} (no message)"


def _points(notebook):
    """The most a notebook's graded cells can score."""
    return float(sum(c.metadata["nbgrader"].get("points", 0) for c in notebook.cells
                     if c.metadata.get("nbgrader", {}).get("grade")))


def broken_page(row):
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Feedback</title></head>"
            f"<body><h1>{html.escape(row.assignment)}: {row.score:g} / {row.max_score:g}</h1>"
            f"<p>Your notebook could not be graded.</p><p>{html.escape(row.reason)}</p>"
            "</body></html>")


class ClassGrader:
    """Grades one class into OUT; reuses what an earlier run of the same course left there."""

    def __init__(self, out, jobs=None, force=False, limits=None, progress=True, shard=None,
                 assignments=None):
        self.out = Path(out)
        self.jobs = jobs or os.cpu_count() or 1
        self.force = force
        self.limits = limits or Limits(threads=max(1, (os.cpu_count() or 1) // self.jobs))
        self.progress = progress
        self.course = self.out / "course"
        self.results = self.out / "results"
        self.shard = shard                  # (k, N): grade only the k-th of N parts, k from 1
        self.assignments = assignments or assignment_ids()     # the course's, unless narrowed
        self.cell_results = {}              # key -> [{grade_id, passed, score, points, reason}]

    # trusted state ----------------------------------------------------------------------
    def key(self):
        """The key that signs what this grader wrote in OUT (kernels never see OUT)."""
        path = self.out / ".grader-key"
        if not path.exists():
            self.out.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(os.urandom(32))
        return path.read_bytes()

    def sign(self, payload):
        text = json.dumps(payload, sort_keys=True)
        return hmac.new(self.key(), text.encode(), hashlib.sha256).hexdigest()

    def signed(self, payload):
        return {**payload, "mac": self.sign(payload)}

    def verified(self, saved):
        """The payload of a signed JSON object, or None when its signature does not match."""
        if not isinstance(saved, dict) or not isinstance(saved.get("mac"), str):
            return None
        payload = {k: v for k, v in saved.items() if k != "mac"}
        return payload if hmac.compare_digest(saved["mac"], self.sign(payload)) else None

    # course ---------------------------------------------------------------------------
    def solutions_digest(self):
        """What the course is built from: the solution notebooks and the grading code."""
        package = Path(__file__).parent
        files = [SOLUTIONS / f"{a}.ipynb" for a in self.assignments]
        files += sorted(package.glob("checks/*.py")) + sorted(package.glob("probes/*.py"))
        return hashlib.sha256("".join(digest(f) for f in files).encode()).hexdigest()

    def course_manifest(self):
        """sha256 of every file of the released and source notebooks (not the gradebook)."""
        return {str(p.relative_to(self.course)): digest(p)
                for folder in ("release", "source") for p in sorted((self.course / folder).rglob("*"))
                if p.is_file()}

    def course_is_intact(self, wanted):
        stamp = self.course / "course.json"
        try:
            saved = self.verified(json.loads(stamp.read_text()))
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
        if self.force or not self.course_is_intact(wanted):
            shutil.rmtree(self.course, ignore_errors=True)
            shutil.rmtree(self.results, ignore_errors=True)
            build_course(self.course, self.assignments)
            atomic_write(self.course / "course.json", json.dumps(self.signed(
                {"solutions": wanted, "manifest": self.course_manifest()}), indent=1))
        self.released = {a: self.course / "release" / a / f"{a}.ipynb" for a in self.assignments}
        self.max_scores = {a: _points(nbformat.read(str(path), as_version=4))
                           for a, path in self.released.items()}
        self.recorder = Recorder(self.course)

    # results --------------------------------------------------------------------------
    def result_path(self, submission):
        return self.results / submission.student / f"{submission.assignment}.json"

    def cached_row(self, submission):
        """The row saved by an earlier run for this very file, if this grader signed it."""
        path = self.result_path(submission)
        if self.force or not path.exists() or submission.path is None:
            return None
        try:
            saved = self.verified(json.loads(path.read_text()))
            if not saved or saved.get("sha256") != digest(submission.path) or \
                    saved.get("file") != str(submission.path):
                return None
            self.cell_results[submission.key] = saved.get("cells", [])
            return Row(**saved["row"])
        except (OSError, ValueError, TypeError):
            return None

    def save(self, submission, row):
        payload = {"row": asdict(row), "file": str(submission.path) if submission.path else "",
                   "sha256": digest(submission.path) if submission.path else "",
                   "cells": self.cell_results.get(submission.key, [])}
        atomic_write(self.result_path(submission), json.dumps(self.signed(payload), indent=1))

    def write_csv(self, rows):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        for row in sorted(rows.values(), key=lambda r: (r.student_id, r.assignment)):
            writer.writerow({**asdict(row), "score": f"{row.score:g}", "max_score": f"{row.max_score:g}"})
        atomic_write(self.out / "grades.csv", buffer.getvalue())

    # grading --------------------------------------------------------------------------
    def max_score(self, assignment):
        return self.max_scores.get(assignment, 0.0)

    def finish(self, submission, outcome):
        """Turn a worker's outcome into a gradebook entry, a feedback page and a row."""
        notes = "; ".join(submission.notes + outcome.get("notes", []))
        feedback_dir = self.out / "feedback" / submission.student / submission.assignment
        notebook_name = submission.path.name if submission.path else ""
        if "broken" in outcome or submission.problem:
            reason = submission.problem or outcome["broken"]
            if submission.assignment in self.released:
                self.recorder.record_missing(submission.student, submission.assignment)
            row = Row(submission.student, submission.assignment, 0.0,
                      self.max_score(submission.assignment), "broken", reason, notes, notebook_name)
            atomic_write(feedback_dir / f"{submission.assignment}.html", broken_page(row))
            return row
        self.cell_results[submission.key] = outcome.get("cells", [])
        executed = nbformat.reads(outcome["notebook"], as_version=4)
        score, max_score = self.recorder.record(submission.student, submission.assignment, executed)
        if outcome.get("feedback") and outcome.get("feedback_score") == score:
            atomic_write(feedback_dir / f"{submission.assignment}.html", outcome["feedback"])
        else:  # the worker's page disagrees with the gradebook: let nbgrader render it
            self.recorder.feedback(submission.student, submission.assignment, feedback_dir)
        incidents = outcome.get("incidents", [])
        status = "incomplete" if incidents else "graded"
        reason = first_failure(executed) if score < max_score else ""
        if incidents:
            notes = "; ".join(filter(None, [notes] + incidents))
        return Row(submission.student, submission.assignment, score, max_score, status,
                   reason, notes, notebook_name)

    def grade(self, submissions_dir):
        """Grade every submission under `submissions_dir`; returns the rows by key."""
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
        failures = sum(r.score < r.max_score for r in rows.values())
        total, done = len(submissions), len(rows)
        self._report(done, total, start, failures, f"{done} already graded" if done else "starting")

        def settle(submission, outcome):
            nonlocal done, failures
            try:
                if "crash" in outcome:
                    raise RuntimeError(outcome["crash"])
                row = self.finish(submission, outcome)
            except Exception:
                row = Row(submission.student, submission.assignment, 0.0,
                          self.max_score(submission.assignment), "grader-error",
                          "The grader itself failed on this submission (not the student's "
                          "fault): " + traceback.format_exc(limit=2).strip().splitlines()[-1],
                          notebook=submission.path.name if submission.path else "")
            if row.status != "grader-error":
                self.save(submission, row)
            rows[submission.key] = row
            done += 1
            failures += row.score < row.max_score
            self.write_csv(rows)
            self._report(done, total, start, failures, f"{submission.key}: {row.score:g}/"
                         f"{row.max_score:g} {row.status}")

        runnable = [s for s in todo if s.path is not None and not s.problem]
        for submission in todo:
            if submission not in runnable:
                settle(submission, {})
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=self.jobs, mp_context=context,
                                 initializer=_worker_setup) as pool:
            futures = {pool.submit(execute_submission, s.path, self.released[s.assignment],
                                   SOLUTIONS / f"{s.assignment}.ipynb", self.limits): s
                       for s in runnable}
            try:
                for future in as_completed(futures):
                    submission = futures[future]
                    try:
                        outcome = future.result()
                    except Exception as error:  # the worker died: a grader failure, not a grade
                        outcome = {"crash": f"{type(error).__name__}: {error}"}
                    settle(submission, outcome)
            except KeyboardInterrupt:       # Ctrl-C: keep what is graded, start nothing new
                pool.shutdown(wait=False, cancel_futures=True)
                _stop_workers()
                raise
        self.write_csv(rows)
        return rows

    def _report(self, done, total, start, failures, last):
        if self.progress:
            print(f"[{done:>4}/{total}] {time.monotonic() - start:6.1f}s  below max: {failures}"
                  f"  {last}", file=sys.stderr, flush=True)


def print_table(rows, stream=sys.stdout):
    width = max([len(r.student_id) for r in rows.values()] + [7])
    print(f"{'student':<{width}}  {'assignment':<24} {'score':>9}  status      reason", file=stream)
    for row in sorted(rows.values(), key=lambda r: (r.student_id, r.assignment)):
        reason = row.reason if len(row.reason) < 90 else row.reason[:87] + "..."
        print(f"{row.student_id:<{width}}  {row.assignment:<24} {row.score:>4g}/{row.max_score:<4g}"
              f"  {row.status:<11} {reason}", file=stream)
