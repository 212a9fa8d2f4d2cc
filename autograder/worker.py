"""Grade one submission in a process of its own: rebuild → run in the sandbox → judge → page.

The supervisor (supervise.py) starts this process, keeps its deadline and kills it when the
deadline passes; so every verdict is sent the moment it exists, and a notebook stopped half-way
keeps the points of the cells already judged. This process never runs student code (the kernel
does, in its sandbox); what it reads from the kernel is capped in execute.py.
"""
import ctypes
import functools
import hashlib
import os
import signal
import tempfile
import time
from pathlib import Path

import nbformat

from .execute import run_notebook
from .feedback import render
from .submission import UnreadableNotebook, build_graded_notebook, cells_grading_needs, defined_names
from .verdict import apply_verdicts, cell_result, cell_results, judge_test_cell, trusted_tests

PR_SET_PDEATHSIG = 1
MAX_NOTEBOOK_BYTES = 64 << 20   # a notebook's file; a larger one is refused, never read into memory


def prepare(course_notebooks=()):
    """Pay once, in the grader before workers are forked, what each worker would otherwise pay
    on first use: torch._dynamo (1.3 s; the judges' reference runs build optimizers, and
    torch.optim imports it then), the judges' reference runs of the assignments graded
    (warm_judges, on one thread: no thread pool is forked), IPython (0.1 s: each kernel start
    looks up the kernel spec), the seccomp filter, the feedback page's template, nbformat's
    validator, and the course's released and solution notebooks (read and parsed once,
    inherited by every worker)."""
    import IPython.paths  # noqa: F401 - jupyter_client's kernel spec lookup imports both
    import ipykernel.kernelspec  # noqa: F401
    import torch._dynamo  # noqa: F401

    from . import feedback, seccomp
    from .exercises.corpus import warm_judges

    warm_judges({Path(path).stem for path in course_notebooks} or None)
    if seccomp.problem() is None:
        seccomp.write_filter(os.devnull)
    nbformat.validate(nbformat.v4.new_notebook())
    notebooks = [course_notebook(path) for path in course_notebooks]
    feedback.prepare(notebooks)
    for cell in (cell for notebook in notebooks for cell in notebook.cells):
        defined_names(cell.source)


def course_notebook(path):
    """A released or solution notebook of the course, parsed once per grader (see prepare) and
    again only when the file changes (a rebuilt course)."""
    status = os.stat(path)
    return _parsed(str(path), status.st_mtime_ns, status.st_size)


@functools.cache
def _parsed(path, mtime_ns, size):
    return nbformat.read(path, as_version=4)


def _become_worker(scratch, parent):
    """Die with the parent, leave Ctrl-C to the supervisor, keep temporary files in `scratch`
    (which the supervisor removes whatever happens), one thread for the judges' references."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:     # the grader died before the signal was set: nothing to do
        os._exit(1)
    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tempfile.tempdir = str(scratch)
    torch.set_num_threads(1)


def grade_submission(job, send):
    """Grade `job` (see supervise.Job); `send(kind, payload)` reports "cell" results as they are
    judged and the final "done" outcome (a plain dict)."""
    began = time.monotonic()
    raw = _snapshot(job.path, send)
    if raw is None:
        return
    # Both are only read: build_graded_notebook grades a copy of the released notebook.
    released, solution = course_notebook(job.released), course_notebook(job.solution)
    try:
        graded = build_graded_notebook(raw, released, solution)
    except UnreadableNotebook as problem:
        send("done", {"broken": str(problem)})
        return
    notebook, limits = graded.notebook, job.limits
    tests = trusted_tests(solution)

    judged = {}     # index -> verdict, as each test cell finished

    def judged_so_far(index, execution):
        verdict = judge_test_cell(notebook, index, tests, execution)
        if verdict is not None:
            judged[index] = verdict
            grade_id, passed, reason = verdict
            send("cell", cell_result(notebook.cells[index], passed, reason))

    built = time.monotonic()
    execution = run_notebook(notebook, limits, only=cells_grading_needs(notebook),
                             on_cell=judged_so_far, template=job.template)
    ran = time.monotonic()
    cells = cell_results(notebook, apply_verdicts(notebook, tests, execution, judged))
    judged_at = time.monotonic()
    page = render(notebook, job.assignment, job.student, cells)
    seconds = {**execution.seconds, "build": built - began, "worker cpu": time.process_time(),
               "judge": execution.seconds["judge"] + judged_at - ran,
               "page": time.monotonic() - judged_at, "cells": execution.cell_seconds}
    notes = graded.warnings + [f"output of cell {i} cut at {limits.output_chars} characters"
                               for i in sorted(execution.truncated)]
    if not limits.sandbox:
        notes.append("graded WITHOUT the sandbox (--no-sandbox)")
    elif "watchdog" in execution.enforcement or "seccomp off" in execution.enforcement:
        notes.append(execution.enforcement)     # a weaker sandbox than the README's: say which
    send("done", {"notebook": nbformat.writes(notebook), "feedback": page,
                  "cells": cells, "notes": notes, "enforcement": execution.enforcement,
                  "incidents": [f"{i.kind} in cell {i.cell_index}: {i.message}"
                                for i in execution.incidents], "seconds": seconds})


def _snapshot(path, send):
    """The notebook's bytes, read once here (what is graded); their sha256 goes to the grader
    first, so the result is bound to them even if the worker is stopped later. None (and the
    outcome sent) when the file is gone or too large."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            send("read", "")
            send("done", {"broken": f"The file is {size / (1 << 20):.0f} MiB; a notebook is graded "
                                    f"up to {MAX_NOTEBOOK_BYTES >> 20} MiB (clear its outputs and "
                                    f"submit again)."})
            return None
        raw = Path(path).read_bytes()
    except OSError as problem:
        send("done", {"vanished": f"the file could not be read ({problem.strerror}); it is graded "
                                  f"on the next run"})
        return None
    send("read", hashlib.sha256(raw).hexdigest())
    return raw


def main(connection, job, parent):
    """The worker process's entry point: grade `job`, sending over `connection`; `parent` is the
    grader's pid (the worker ends itself if that is no longer its parent)."""
    _become_worker(job.scratch, parent)

    def send(kind, payload):
        connection.send((kind, payload))

    try:
        grade_submission(job, send)
    except Exception as error:      # a bug of ours: the supervisor turns it into a grader-error row
        import traceback

        send("crash", f"{type(error).__name__}: {error}\n" + traceback.format_exc(limit=4))
    finally:
        connection.close()
