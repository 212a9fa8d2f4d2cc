"""Combine the parts of a class graded on several machines (`grade --shard k/N`) into one OUT.

A part is trusted only through the course key that `merge` is given (`--key`), never through
anything inside the part: every result must verify with that key, and so must the feedback pages
and the executed notebook it names (their sha256 are in the signed result). Rows are matched on
student id and assignment; an overlap, an unsigned result or a page that does not match makes
merge refuse before it writes anything. The merged OUT gets the same grades.csv as one run over
the whole class, the pages, the results (signed with the course key) and one gradebook filled
with the judge's cell results.
"""
import shutil
from dataclasses import dataclass
from pathlib import Path

from .course import assignment_ids
from .files import digest
from .outlock import sole_writer
from .results import Results, Row, changed_page, feedback_folder, write_csv
from .trust import KeyFileError, Signer
from .workspace import Workspace


class MergeError(RuntimeError):
    """A part is missing, unsigned, tampered with or overlaps another; the message says which."""


@dataclass
class _Result:
    part: Path
    payload: dict
    row: Row


def part_results(part, signer):
    """Every result a part holds, each verified with the course key."""
    part = Path(part)
    if not (part / "results").is_dir():
        raise MergeError(f"{part} holds no results/: it is not the OUT of a `grade` run")
    for path in sorted((part / "results").glob("*/*.json")):
        payload = signer.read_verified(path)
        if payload is None or not isinstance(payload.get("row"), dict):
            raise MergeError(f"{path} is not signed with the course key {signer.key_path} "
                             f"(graded without --key, with another key, or altered)")
        yield _Result(part, payload, Row(**payload["row"]))


def _check_files(result):
    """The pages and executed notebook a result vouches for, as they are in its part."""
    row, payload = result.row, result.payload
    page = changed_page(feedback_folder(result.part, row.student_id, row.assignment),
                        payload.get("pages", {}))
    if page is not None:
        raise MergeError(f"{page} is missing or differs from what its grader signed")
    if payload.get("executed"):
        executed = _executed_path(result)
        if not executed.is_file() or digest(executed) != payload["executed"]:
            raise MergeError(f"{executed} is missing or differs from what its grader signed")


def _executed_path(result):
    row = result.row
    return result.part / "course" / "submitted" / row.student_id / row.assignment / f"{row.assignment}.ipynb"


def collect(parts, signer):
    """{(student id, assignment): _Result} over all parts, every one verified; refuses overlaps."""
    found = {}
    for part in parts:
        for result in part_results(part, signer):
            key = (result.row.student_id, result.row.assignment)
            if key in found:
                raise MergeError(f"{key[0]}/{key[1]} was graded in both {found[key].part} and "
                                 f"{result.part}: the parts overlap")
            _check_files(result)
            found[key] = result
    return found


def merge(parts, out, key):
    """Merge the OUT folders `parts` into `out`, trusting only `key` (the course key file);
    returns the rows by key."""
    signer = Signer(key, create=False)
    try:
        signer.key()
    except KeyFileError as problem:
        raise MergeError(str(problem)) from None
    target = Path(out).resolve()
    for part in parts:
        if Path(part).resolve() == target:
            raise MergeError(f"--out {out} is one of the parts: merge into a folder of its own")
    found = collect(parts, signer)
    with sole_writer(out):
        return _write_merged(found, out, signer)


def _write_merged(found, out, signer):
    """The merged OUT: a course of its own (workspace), each result's gradebook entry, pages and
    result signed again with the course key (results), and grades.csv."""
    workspace, results = Workspace(out, assignment_ids(), signer), Results(out, signer)
    workspace.prepare(voided=[results.folder])
    rows = {}
    for (student, assignment), result in sorted(found.items()):
        _record(workspace, result)
        pages = feedback_folder(result.part, student, assignment)
        for name in result.payload.get("pages", {}):
            target = feedback_folder(out, student, assignment) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(pages / name, target)
        signer.write_signed(results.path(student, assignment), result.payload)
        rows[f"{student}/{assignment}"] = result.row
    write_csv(out, rows, workspace.recorder.final_scores())
    return rows


def _record(workspace, result):
    """Put the result into the merged gradebook with the judge's cell results it carries."""
    row, cells = result.row, result.payload.get("cells", [])
    if row.assignment not in workspace.released:
        return
    if result.payload.get("executed"):
        text = _executed_path(result).read_text(encoding="utf-8")
        score, _ = workspace.recorder.record(row.student_id, row.assignment, text, cells)
    else:
        score = workspace.recorder.record_without_notebook(row.student_id, row.assignment, cells,
                                                           row.reason)
    if score != row.score:
        raise MergeError(f"{row.student_id}/{row.assignment}: its cells give {score:g}, its row "
                         f"{row.score:g}")
