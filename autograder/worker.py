"""Grade one submission in a process of its own: rebuild → run in the sandbox → judge → page.

The supervisor (supervise.py) starts this process, keeps its deadline and kills it when the
deadline passes; so every verdict is sent the moment it exists, and a notebook stopped half-way
keeps the points of the cells already judged. This process never runs student code (the kernel
does, in its sandbox); what it reads from the kernel is capped in execute.py.
"""
import ctypes
import signal
import tempfile

import nbformat

from .execute import run_notebook
from .feedback import render, with_summary
from .submission import UnreadableNotebook, build_graded_notebook, cells_grading_needs
from .verdict import apply_verdicts, cell_result, cell_results, judge_test_cell

PR_SET_PDEATHSIG = 1


def _become_worker(scratch):
    """Die with the parent, leave Ctrl-C to the supervisor, keep temporary files in `scratch`
    (which the supervisor removes whatever happens), one thread for the judges' references."""
    import torch

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tempfile.tempdir = str(scratch)
    torch.set_num_threads(1)


def grade_submission(job, send):
    """Grade `job` (see supervise.Job); `send(kind, payload)` reports "cell" results as they are
    judged and the final "done" outcome (a plain dict)."""
    released = nbformat.read(str(job.released), as_version=4)
    solution = nbformat.read(str(job.solution), as_version=4)
    try:
        graded = build_graded_notebook(job.raw, released, solution)
    except UnreadableNotebook as problem:
        send("done", {"broken": str(problem)})
        return
    notebook, limits = graded.notebook, job.limits
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
             if c.metadata.get("nbgrader", {}).get("grade")}

    def judged_so_far(index, execution):
        judged = judge_test_cell(notebook, index, tests, execution)
        if judged is not None:
            grade_id, passed, reason = judged
            send("cell", cell_result(notebook.cells[index], passed, reason))

    execution = run_notebook(notebook, limits, only=cells_grading_needs(notebook),
                             on_cell=judged_so_far)
    cells = cell_results(notebook, apply_verdicts(notebook, tests, execution))
    page, _ = render(notebook, job.assignment, job.student, cells)
    notes = graded.warnings + [f"output of cell {i} cut at {limits.output_chars} characters"
                               for i in sorted(execution.truncated)]
    if not limits.sandbox:
        notes.append("graded WITHOUT the sandbox (--no-sandbox)")
    elif "watchdog" in execution.enforcement or "seccomp off" in execution.enforcement:
        notes.append(execution.enforcement)     # a weaker sandbox than the README's: say which
    send("done", {"notebook": nbformat.writes(notebook), "feedback": with_summary(page, cells),
                  "cells": cells, "notes": notes, "enforcement": execution.enforcement,
                  "incidents": [f"{i.kind} in cell {i.cell_index}: {i.message}"
                                for i in execution.incidents]})


def main(connection, job):
    """The worker process's entry point: grade `job`, sending over `connection`."""
    _become_worker(job.scratch)

    def send(kind, payload):
        connection.send((kind, payload))

    try:
        grade_submission(job, send)
    except Exception as error:      # a bug of ours: the supervisor turns it into a grader-error row
        import traceback

        send("crash", f"{type(error).__name__}: {error}\n" + traceback.format_exc(limit=4))
    finally:
        connection.close()
