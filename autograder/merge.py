"""Combine the parts of a class graded on several machines (`grade --shard k/N`) into one OUT.

Each part's results are trusted only if that part's grader signed them; the merged OUT gets the
same grades.csv as one run over the whole class, the feedback pages, results signed with its own
key, and one nbgrader gradebook, recorded from the executed notebooks each part kept.
"""
import json
import shutil
from pathlib import Path

import nbformat

from .grade import ClassGrader, Row, atomic_write


class MergeError(RuntimeError):
    """A part is missing, unsigned or overlaps another; the message says which."""


def part_results(part):
    """(key, payload) of every result a part's grader wrote and signed."""
    grader = ClassGrader(part, progress=False)
    if not (Path(part) / ".grader-key").exists():
        raise MergeError(f"{part} holds no grader key: it is not the OUT of a `grade` run")
    for path in sorted((Path(part) / "results").glob("*/*.json")):
        try:
            payload = grader.verified(json.loads(path.read_text()))
        except ValueError:
            payload = None
        if payload is None:
            raise MergeError(f"{path} is not signed by the grader that wrote {part}")
        yield f"{path.parent.name}/{path.stem}", payload


def merge(parts, out):
    """Merge the OUT folders `parts` into `out`; returns the rows by key."""
    grader = ClassGrader(out, progress=False)
    grader.prepare_course()
    rows, origin = {}, {}
    for part in parts:
        for key, payload in part_results(part):
            if key in rows:
                raise MergeError(f"{key} was graded in both {origin[key]} and {part}: the parts overlap")
            row = Row(**payload["row"])
            rows[key], origin[key] = row, part
            _record(grader, Path(part), row)
            pages = Path(part) / "feedback" / row.student_id / row.assignment
            if pages.is_dir():
                shutil.copytree(pages, grader.out / "feedback" / row.student_id / row.assignment,
                                dirs_exist_ok=True)
            atomic_write(grader.results / row.student_id / f"{row.assignment}.json",
                         json.dumps(grader.signed(payload), indent=1))
    grader.write_csv(rows)
    return rows


def _record(grader, part, row):
    """Put the row's submission into the merged gradebook, as the part's grader recorded it."""
    if row.assignment not in grader.released:
        return
    executed = part / "course" / "submitted" / row.student_id / row.assignment / f"{row.assignment}.ipynb"
    if row.status == "broken" or not executed.exists():
        grader.recorder.record_missing(row.student_id, row.assignment)
        return
    score, _ = grader.recorder.record(row.student_id, row.assignment,
                                      nbformat.read(str(executed), as_version=4))
    if score != row.score:
        raise MergeError(f"{row.student_id}/{row.assignment}: the gradebook of {part} gives {score:g}, "
                         f"its grades.csv {row.score:g}")
