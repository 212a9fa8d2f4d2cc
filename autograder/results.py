"""What OUT keeps of each graded submission: its row, its feedback pages, its signed result
(OUT/results/<student>/<assignment>.json, so an interrupted run resumes where it stopped), the
rows of the class in grades.csv, and the table printed at the end."""
import csv
import hashlib
import io
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .files import atomic_write, digest
from .printable import csv_cell, one_line

# `manual`: "yes" where an instructor's manual score (formgrader) is part of `score`
COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "reason", "notes",
           "notebook", "manual"]
TEXT_COLUMNS = ("reason", "notes", "notebook")


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


@dataclass
class Result:
    """What grading one submission gave: its row, its feedback pages ({file name: HTML}), the
    executed notebook as the gradebook filed it (None when there is none), the judge's cells."""
    row: Row
    pages: dict = field(default_factory=dict)
    executed: Path = None
    cells: list = field(default_factory=list)


def feedback_folder(out, student, assignment):
    """Where OUT keeps a submission's feedback pages."""
    return Path(out) / "feedback" / student / assignment


def changed_page(folder, pages):
    """The first of `pages` ({file name: sha256}) that is missing from `folder` or differs from
    its sha256; None when every one is as signed."""
    for name, sha256 in pages.items():
        page = Path(folder) / name
        if Path(name).name != name or not page.is_file() or digest(page) != sha256:
            return page
    return None


class Results:
    """The signed results and feedback pages in OUT, signed and verified with `signer`; `limits`:
    those this run grades under (a result graded under others is not reused)."""

    def __init__(self, out, signer, limits=None):
        self.out = Path(out)
        self.folder = self.out / "results"
        self.signer = signer
        self.limits = limits

    def path(self, student, assignment):
        return self.folder / student / f"{assignment}.json"

    def limits_key(self):
        """The limits a result was graded under (a rerun with other limits regrades): all but
        the thread count, which follows --jobs and changes no verdict."""
        return {k: v for k, v in asdict(self.limits).items() if k != "threads"}

    def cached(self, submission, recorder):
        """The row saved by an earlier run for this very file, if this grader signed it and what
        it vouches for is still in OUT: its feedback pages (by sha256) and its submission in the
        gradebook (`recorder`; manual grades there are the gradebook's)."""
        path = self.path(submission.student, submission.assignment)
        if not path.exists() or submission.path is None:
            return None
        try:
            saved = self.signer.read_verified(path)
            if not saved or saved.get("sha256") != digest(submission.path) or \
                    saved.get("file") != str(submission.path) or saved.get("limits") != self.limits_key():
                return None
            if changed_page(feedback_folder(self.out, submission.student, submission.assignment),
                            saved.get("pages", {})) or \
                    (submission.student, submission.assignment) not in recorder.submissions():
                return None             # graded again: that rebuilds the page and the entry
            return Row(**saved["row"])
        except (OSError, ValueError, TypeError):
            return None

    def save(self, submission, result, sha256):
        """Sign and keep the row with all it vouches for: the bytes graded (their sha256), the
        judge's cell results, the feedback pages and the executed notebook (their sha256)."""
        payload = {"row": asdict(result.row), "file": str(submission.path) if submission.path else "",
                   "sha256": sha256, "cells": result.cells,
                   "pages": {name: hashlib.sha256(page.encode()).hexdigest()
                             for name, page in result.pages.items()},
                   "executed": digest(result.executed) if result.executed else "",
                   "limits": self.limits_key()}
        self.signer.write_signed(self.path(submission.student, submission.assignment), payload)

    def drop(self, submission):
        """Remove a submission's saved result: an earlier one must not stand in for this one."""
        self.path(submission.student, submission.assignment).unlink(missing_ok=True)

    def write_pages(self, row, pages):
        """Write a submission's feedback pages ({file name: HTML}) and remove any other."""
        folder = feedback_folder(self.out, row.student_id, row.assignment)
        for stale in folder.glob("*.html") if folder.is_dir() else []:
            if stale.name not in pages:
                stale.unlink()
        for page_name, page in pages.items():
            atomic_write(folder / page_name, page)


def write_csv(out, rows, manual):
    """OUT/grades.csv: the judge's rows, with an instructor's manual scores where given
    (`manual`: {(student, assignment): the gradebook's total}, Recorder.final_scores)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in sorted(rows.values(), key=lambda r: (r.student_id, r.assignment)):
        final = manual.get((row.student_id, row.assignment))
        cells = {**asdict(row), "score": f"{row.score if final is None else final:g}",
                 "max_score": f"{row.max_score:g}", "manual": "" if final is None else "yes"}
        writer.writerow({k: csv_cell(v) if k in TEXT_COLUMNS else v for k, v in cells.items()})
    atomic_write(Path(out) / "grades.csv", buffer.getvalue())


def as_final(rows, manual):
    """The rows with an instructor's manual total in place of the judge's score, where given (the
    table shows what grades.csv says)."""
    return {key: row if (row.student_id, row.assignment) not in manual else
            Row(**{**asdict(row), "score": manual[(row.student_id, row.assignment)]})
            for key, row in rows.items()}


def print_table(rows, stream=sys.stdout):
    width = max([len(r.student_id) for r in rows.values()] + [7])
    print(f"{'student':<{width}}  {'assignment':<24} {'score':>9}  status      reason", file=stream)
    for row in sorted(rows.values(), key=lambda r: (r.student_id, r.assignment)):
        reason = row.reason if len(row.reason) < 90 else row.reason[:87] + "..."
        print(f"{row.student_id:<{width}}  {row.assignment:<24} {row.score:>4g}/{row.max_score:<4g}"
              f"  {row.status:<11} {reason}", file=stream)
