"""Record graded submissions in nbgrader's gradebook.

Execution and judging happen beforehand, in the workers; here nbgrader's autograde steps file the
executed notebook (so formgrader can show it) and the judge's points are written into each grade cell's
auto_score through nbgrader's API, replacing what nbgrader's rules read from the outputs (which
the kernel controls). Manual scores are never touched. One submission at a time, in one process,
so the SQLite gradebook never sees two writers.
"""
import contextlib
import html
import logging
import os
import re
import shutil
import time
from pathlib import Path
from unittest import mock

import nbformat
import nbgrader.api
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.api import Gradebook, MissingEntry, create_engine
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, DeduplicateIds,
                                    IgnorePattern, LimitOutput, OverwriteCells,
                                    OverwriteKernelspec, SaveAutoGrades)
from traitlets.config import LoggingConfigurable

from .course import nbgrader_at_work, nbgrader_config


class GradebookError(RuntimeError):
    """nbgrader refused a submission we had already executed (a bug of ours, not the student's)."""


@contextlib.contextmanager
def open_gradebook(db_url):
    """nbgrader's Gradebook at `db_url` (made when missing), closed after the block."""
    with nbgrader_at_work(), Gradebook(db_url) as gradebook:
        yield gradebook


# nbgrader's autograde less its execution: its sanitising and grading preprocessors, in its order
# (CheckCellMetadata, which it runs after each of its two passes, once at the end).
FILING_STEPS = (DeduplicateIds, OverwriteKernelspec, OverwriteCells, IgnorePattern,
                ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
                CheckCellMetadata)
READ_ONLY = 0o444       # nbgrader's mode for the files it writes into autograded/


def set_aside_if_unreadable(root, keep_in):
    """A gradebook SQLite cannot read (truncated, overwritten) is moved into `keep_in`, not
    deleted (its manual grades may be recovered by hand); returns its new path, or None when it
    reads."""
    path = Path(root) / "gradebook.db"
    if not path.exists():
        return None
    try:
        with open_gradebook(f"sqlite:///{path}") as gradebook:
            gradebook.assignments, gradebook.students
        return None
    except Exception:                   # sqlite3/SQLAlchemy errors of every kind: unreadable
        aside = Path(keep_in) / f"gradebook.db.unreadable-{time.strftime('%Y%m%d-%H%M%S')}"
        path.rename(aside)
        return aside


def _inert_markdown(text):
    """`text` (it may hold a file name or an exception message from a submission) as markdown
    that renders as that text: no HTML, no link, no emphasis."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~])", r"\\\1", html.escape(text, quote=False))


def manual_work(root):
    """What an instructor entered in the gradebook at `root` (formgrader's manual scores and
    comments): {(student, assignment): {"scores": {(notebook, grade cell): score},
    "comments": {(notebook, cell): text}}}; empty when there is none or it cannot be read."""
    path = Path(root) / "gradebook.db"
    found = {}
    if not path.exists():
        return found
    try:
        with open_gradebook(f"sqlite:///{path}") as gradebook:
            for assignment in gradebook.assignments:
                for submission in assignment.submissions:
                    work = {"scores": {}, "comments": {}}
                    for notebook in submission.notebooks:
                        for grade in notebook.grades:
                            if grade.manual_score is not None:
                                work["scores"][(notebook.name, grade.name)] = grade.manual_score
                        for comment in notebook.comments:
                            if comment.manual_comment:
                                work["comments"][(notebook.name, comment.name)] = comment.manual_comment
                    if work["scores"] or work["comments"]:
                        found[(submission.student.id, assignment.name)] = work
    except Exception:                   # unreadable: set_aside_if_unreadable deals with it
        return {}
    return found


@contextlib.contextmanager
def sharing_engines(engines):
    """nbgrader opens a new SQLAlchemy engine for each Gradebook it opens to file one submission
    (a new engine compiles every SQL statement again), and checks each time that every table
    exists (a dozen queries): within this block both happen once per database, the engines kept
    in `engines` (a dict kept by the caller)."""
    checked = set()
    create_all = nbgrader.api.Base.metadata.create_all

    def shared(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in engines:
            engines[key] = create_engine(url, **options)
        return engines[key]

    def create_once(bind, **options):
        if bind not in checked:
            checked.add(bind)
            create_all(bind=bind, **options)

    with mock.patch.object(nbgrader.api, "create_engine", shared), \
            mock.patch.object(nbgrader.api.Base.metadata, "create_all", create_once):
        yield


class Recorder:
    """Scores executed notebooks into the gradebook of the course at `root`; `carried` is the
    manual work of a gradebook the course was rebuilt without (manual_work), put back as each
    submission is recorded again."""

    def __init__(self, root, carried=None):
        self.root = Path(root)
        settings = LoggingConfigurable(config=nbgrader_config(root))
        settings.log.setLevel(logging.ERROR)
        self.steps = [step(parent=settings) for step in FILING_STEPS]   # made once, used for all
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        self.carried = carried or {}
        self._held = self._final = None     # what the gradebook holds (see _load)
        self._engines = {}                  # see sharing_engines

    def _load(self):
        """Read the gradebook once: the submissions it holds, and the totals of those an
        instructor gave a manual score; _judged keeps both current as it records."""
        if self._held is None:
            self._held, self._final = set(), {}
            if (self.root / "gradebook.db").exists():
                with open_gradebook(self.db_url) as gradebook:
                    for assignment in gradebook.assignments:
                        for submission in assignment.submissions:
                            self._note(submission, assignment.name)

    def _note(self, submission, assignment):
        key = (submission.student.id, assignment)
        self._held.add(key)
        if any(grade.manual_score is not None for notebook in submission.notebooks
               for grade in notebook.grades):
            self._final[key] = float(submission.score)
        else:
            self._final.pop(key, None)

    def refresh(self):
        """Forget what was read (formgrader may have changed the gradebook meanwhile)."""
        self._held = self._final = None

    def submissions(self):
        """{(student, assignment)} of the submissions the gradebook holds."""
        self._load()
        return self._held

    def record(self, student, assignment, text, cells):
        """File `text` (an executed notebook as nbformat writes it) and give its grade cells the
        judge's points (`cells`, as verdict.cell_results gives them); returns (score as the
        gradebook now holds it, the filed notebook's path)."""
        folder = self.root / "submitted" / student / assignment
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        path = folder / f"{assignment}.ipynb"
        path.write_text(text, encoding="utf-8")
        with nbgrader_at_work(), sharing_engines(self._engines):
            try:
                self._autograde(student, assignment, nbformat.reads(text, as_version=4))
            except Exception as error:
                raise GradebookError(f"nbgrader's autograde steps refused {assignment} of {student}: "
                                     f"{type(error).__name__}: {error}") from error
        return self._judged(student, assignment, cells), path

    def _autograde(self, student, assignment, executed):
        """What `nbgrader autograde --force --create` does to a submission it need not run: the
        student and the submission made or updated in the gradebook, nbgrader's preprocessors
        (FILING_STEPS) on the notebook, the result written to autograded/ for formgrader.

        (nbgrader's Autograde converter reads, validates, copies and writes the notebook twice
        and re-validates it after each of its ten steps: 70% of the filing's CPU; its steps run
        here once, in memory. The course's source folders hold nothing but the notebook, so
        there are no other files for it to copy.)
        """
        with Gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_student(student)
            gradebook.update_or_create_submission(assignment, student)
        resources = {"unique_key": assignment, "output_files_dir": f"{assignment}_files",
                     "nbgrader": {"student": student, "assignment": assignment,
                                  "notebook": assignment, "db_url": self.db_url}}
        for step in self.steps:
            executed, resources = step(executed, resources)
        folder = self.root / "autograded" / student / assignment
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        nbformat.write(executed, str(folder / f"{assignment}.ipynb"))
        os.chmod(folder / f"{assignment}.ipynb", READ_ONLY)

    def record_without_notebook(self, student, assignment, cells, reason=""):
        """A submission with nothing executed to file (broken, or stopped before its end): its
        grade cells get the points of `cells` and 0 where none is given. Returns its score.

        (nbgrader's autograde refuses a folder without a notebook, so the entries are made here,
        and formgrader is given the released notebook headed by `reason` to show, instead of the
        error page it answers for a submission without one.)
        """
        with open_gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_student(student)
            try:
                gradebook.find_submission(assignment, student)
            except MissingEntry:
                gradebook.add_submission(assignment, student)
        self._file_placeholder(student, assignment, reason)
        return self._judged(student, assignment, cells, default=0.0)

    def _file_placeholder(self, student, assignment, reason):
        released = self.root / "release" / assignment / f"{assignment}.ipynb"
        if not released.exists():
            return
        notebook = nbformat.read(str(released), as_version=4)
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(
            "**This submission could not be graded in full; what formgrader shows below is the "
            "released notebook, not the student's.** " + _inert_markdown(reason or "")))
        for kind in ("submitted", "autograded"):
            folder = self.root / kind / student / assignment
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            nbformat.write(notebook, str(folder / f"{assignment}.ipynb"))

    def _judged(self, student, assignment, cells, default=None):
        """Write the judge's points into the submission's autograded cells (manual scores stay,
        carried ones are put back); returns the judge's total (auto scores only)."""
        points = {cell["grade_id"]: cell["score"] for cell in cells}
        work = self.carried.get((student, assignment), {"scores": {}, "comments": {}})
        with sharing_engines(self._engines), open_gradebook(self.db_url) as gradebook:
            submission = gradebook.find_submission(assignment, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if (notebook.name, grade.name) in work["scores"]:
                        grade.manual_score = work["scores"][(notebook.name, grade.name)]
                    if grade.name in points:
                        grade.auto_score = points[grade.name]
                    elif default is not None:
                        grade.auto_score = default
                    else:
                        continue
                    grade.needs_manual_grade = False
                for comment in notebook.comments:
                    if (notebook.name, comment.name) in work["comments"]:
                        comment.manual_comment = work["comments"][(notebook.name, comment.name)]
            gradebook.db.commit()
            submission = gradebook.find_submission(assignment, student)
            if self._held is not None:
                self._note(submission, assignment)
            return float(sum(grade.auto_score or 0.0 for notebook in submission.notebooks
                             for grade in notebook.grades))

    def final_scores(self):
        """{(student, assignment): the gradebook's total} for the submissions an instructor gave
        a manual score (it replaces the judge's for its cell, as in nbgrader)."""
        self._load()
        return dict(self._final)
