"""Settle one submission: turn what its worker sent back (or why there was nothing to run) into a
gradebook entry, a feedback page and a row; a failure of the grader's own becomes a grader-error
row, never a lost submission."""

from . import feedback
from .files import resource_problem
from .results import Result, Row
from .verdict import row_reason, score, unjudged_results


class GraderFailure(RuntimeError):
    """The grader, not the student, failed on a submission (its row says grader-error)."""


def plain_page(row, cells=(), why="Your notebook could not be graded."):
    """The page of a submission without an executed notebook: broken, or stopped half-way."""
    return feedback.plain_page(row.assignment, row.student_id, row.score, row.max_score, cells,
                               [why, row.reason])


def settle(workspace, submission, outcome, keep=lambda result: None):
    """The Result of `outcome` (a worker's, see supervise.Supervisor; {} when nothing ran) for
    `submission`, recorded in the gradebook of `workspace` (a prepared workspace.Workspace) and
    handed to `keep`. A failure of the grader in either gives a grader-error row instead; one of
    the machine (files.resource_problem) stops the run."""
    try:
        result = finish(workspace, submission, outcome)
        keep(result)
        return result
    except Exception as error:
        if resource_problem(error):
            raise           # the machine's fault: stop the run (one line, exit 2)
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return Result(_row(workspace, submission, 0.0, "grader-error",
                           "The grader itself failed on this submission (not the student's "
                           f"fault): {type(error).__name__}: {detail}", []))


def finish(workspace, submission, outcome):
    """Turn a worker's outcome into a gradebook entry, a feedback page and a row (a Result)."""
    notes = submission.notes + outcome.get("notes", [])
    if "crash" in outcome:
        raise GraderFailure(outcome["crash"])
    if submission.problem or "broken" in outcome or "vanished" in outcome:
        reason = submission.problem or outcome.get("broken") or outcome["vanished"]
        return _broken(workspace, submission, reason, notes)
    if "stopped" in outcome:
        return _stopped(workspace, submission, outcome, notes)
    return _graded(workspace, submission, outcome, notes)


def _row(workspace, submission, total, status, reason, notes):
    return Row(submission.student, submission.assignment, total,
               workspace.max_score(submission.assignment), status, reason, "; ".join(notes),
               submission.path.name if submission.path else "")


def _broken(workspace, submission, reason, notes):
    """Nothing could be run: no notebook, an unreadable one, or one that vanished."""
    if submission.assignment in workspace.released:
        workspace.recorder.record_without_notebook(submission.student, submission.assignment,
                                                   [], reason)
    row = _row(workspace, submission, 0.0, "broken", reason, notes)
    return Result(row, {f"{submission.assignment}.html": plain_page(row)})


def _stopped(workspace, submission, outcome, notes):
    """Stopped before its end (the deadline, the worker's memory): the cells judged so far."""
    student, assignment, why = submission.student, submission.assignment, outcome["stopped"]
    cells = unjudged_results(workspace.released_notebooks[assignment], outcome["cells"], why)
    total = workspace.recorder.record_without_notebook(student, assignment, cells, why)
    row = _row(workspace, submission, total, "incomplete", row_reason(cells), notes + [why])
    return Result(row, {f"{assignment}.html": plain_page(
        row, cells, "Your notebook was stopped before every test had run.")}, None, cells)


def _graded(workspace, submission, outcome, notes):
    """Run to its end: the executed notebook is filed with the judge's points."""
    cells = outcome["cells"]
    total, executed_path = workspace.recorder.record(submission.student, submission.assignment,
                                                     outcome["notebook"], cells)
    if total != score(cells):
        raise GraderFailure(f"the gradebook holds {total:g} points where the judge gave "
                            f"{score(cells):g}")
    incidents = outcome.get("incidents", [])
    row = _row(workspace, submission, total, "incomplete" if incidents else "graded",
               row_reason(cells), notes + incidents)
    return Result(row, {f"{submission.assignment}.html": outcome["feedback"]}, executed_path, cells)
