"""Run each submission's worker under a deadline kept from outside, so no submission can stall
grading and no worker's death takes a classmate's grade with it.

One notebook is one process, forked from this one (which has the grading code imported, so a start
costs milliseconds, and which never talks to a kernel itself), and this process owns it: it reads
the worker's verdicts, watches its memory, and at the deadline kills it, and with it the kernel
and its sandbox (bubblewrap dies with its parent). Its memory is bounded by construction: a
cgroup of its own where the machine allows one (the kernel's OOM killer then ends it, and only
it), else this process's watch on its resident size. A worker that dies on its own is retried
once. Every worker's temporary files live in a folder of this run, removed whatever happens.
"""
import collections
import contextlib
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

import psutil

from . import worker      # imported before any fork, so every worker starts warm
from .course import SOLUTIONS

RUN_PREFIX = "autograder-run-"
POLL_SECONDS = 0.25
GiB = 1 << 30
# A kernel's ipc sockets live in the run folder, and a Unix socket's path holds at most 107 bytes:
# past this length of TMPDIR the run folder goes to a short base instead (/tmp, /dev/shm).
SOCKET_ROOM = 80         # bytes below the base: run folder, job, kernel folder, socket name


@dataclass
class Job:
    """One notebook to grade, as the worker receives it."""
    key: str
    student: str
    assignment: str
    path: Path
    released: Path
    solution: Path
    limits: object
    scratch: Path = None
    template: str = None        # the warm kernel template's socket (template.py), if one runs

    @classmethod
    def of(cls, submission, released, limits):
        """The job of a discovered submission (discover.Submission), graded against `released`
        (its assignment's released notebook) and its solution."""
        return cls(submission.key, submission.student, submission.assignment, submission.path,
                   released, SOLUTIONS / f"{submission.assignment}.ipynb", limits)


@dataclass
class _Running:
    job: Job
    process: object
    connection: object
    started: float
    attempt: int
    cells: dict = field(default_factory=dict)   # grade_id -> cell result judged so far
    outcome: dict = None
    crash: str = ""
    sha256: str = None                          # of the bytes the worker read (what it grades)
    cgroup: object = None                       # its memory bound, when cgroups are available


def _context():
    """Workers are forked from this process: warm (the grading code is imported) and its direct
    children, so they die with it (worker.py sets their parent-death signal). A fork server would
    be a third process to outlive the grader."""
    return multiprocessing.get_context("fork")


def run_base():
    """Where run folders go: TMPDIR, unless its path leaves too little room for a socket's."""
    for base in (tempfile.gettempdir(), "/tmp", "/dev/shm"):
        if len(base) + SOCKET_ROOM <= 107 and os.access(base, os.W_OK | os.X_OK):
            return base
    return tempfile.gettempdir()


def remove_stale_runs(folder=None):
    """Remove the run folders of earlier runs whose grader is gone (killed, say): only folders
    named by this module, and only when the pid in the name is no longer alive."""
    folder = Path(folder or run_base())
    for path in folder.glob(f"{RUN_PREFIX}*"):
        try:
            pid = int(path.name[len(RUN_PREFIX):].split("-")[0])
        except ValueError:
            continue
        if pid != os.getpid() and not psutil.pid_exists(pid):
            shutil.rmtree(path, ignore_errors=True)


class Supervisor:
    """Grades Jobs `at_once` at a time; `run(jobs)` yields (job, outcome) as each one ends.

    An outcome is the worker's "done" dict, or {"stopped": why, "cells": [judged so far]} when
    the deadline passed or the worker grew past its memory, or {"crash": why} when it died twice.
    """

    def __init__(self, at_once, limits, target=None, warm=True, template=None):
        self.at_once = max(1, at_once)
        self.warm = warm                        # fork kernels from a template where possible
        self.started_template = template        # one start_template() began earlier, if any
        self.target = target                    # the worker's entry point: worker.main
        self.limits = limits
        self.deadline = limits.deadline()
        self.memory_bytes = int(limits.worker_memory_gib * GiB)

    def run(self, jobs):
        remove_stale_runs()
        run_dir = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-", dir=run_base()))
        context = _context()
        pending, running, serial = collections.deque((job, 1) for job in jobs), {}, 0
        made = None
        try:
            if jobs and not self.started_template:
                made = start_template(self.limits, self.warm)
            if jobs and self.target is None:
                worker.prepare({p for job in jobs for p in (job.released, job.solution)})  # while the template warms
            template = self._ready(self.started_template or made) if jobs else None
            while pending or running:
                while pending and len(running) < self.at_once:
                    job, attempt = pending.popleft()
                    serial += 1
                    job.template = template.socket_path if template else None
                    job.scratch = run_dir / f"j{serial}"
                    job.scratch.mkdir()
                    state = self._start(context, job, attempt)
                    running[state.connection] = state
                for connection in wait(list(running), timeout=POLL_SECONDS):
                    self._read(running[connection])
                now = time.monotonic()
                for connection, state in list(running.items()):
                    ended = self._settle(state, now)
                    if ended is None:
                        continue
                    del running[connection]
                    self._clean(state)
                    if ended == "retry":
                        pending.appendleft((state.job, state.attempt + 1))
                    else:
                        if state.sha256 is not None:
                            ended = {**ended, "sha256": state.sha256}
                        yield state.job, ended
        finally:
            for state in running.values():
                self._clean(state)
            if made is not None:
                made.close()
            shutil.rmtree(run_dir, ignore_errors=True)

    @staticmethod
    def _ready(template):
        """`template` once it listens, or None (kernels start cold) when it could not start."""
        from .template import TemplateUnavailable

        if template is None:
            return None
        try:
            template.wait_ready()
        except TemplateUnavailable:
            return None
        return template

    # one worker ---------------------------------------------------------------------------
    def _start(self, context, job, attempt):
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=self.target or worker.main, args=(writer, job, os.getpid()),
                                  daemon=True)
        process.start()
        writer.close()
        state = _Running(job, process, reader, time.monotonic(), attempt)
        state.cgroup = self._confine(process.pid)
        return state

    def _confine(self, pid):
        """Put the worker into a cgroup of its own: memory (its kernel's messages included) and
        one CPU; None where cgroups are unavailable (the watch of its private memory in _settle
        remains)."""
        from .cgroup import Cgroup

        cgroup = Cgroup.create(name="grading worker", memory_bytes=self.memory_bytes, pids=1024, cpus=1)
        if cgroup is not None:
            try:
                cgroup.add(pid)
            except OSError:
                cgroup.remove()
                return None
        return cgroup

    def _read(self, state):
        """Take every message the worker has sent (a verdict, the outcome, its crash)."""
        try:
            while state.connection.poll():
                kind, payload = state.connection.recv()
                if kind == "cell":
                    state.cells[payload["grade_id"]] = payload
                elif kind == "done":
                    state.outcome = payload
                elif kind == "crash":
                    state.crash = payload
                elif kind == "read":
                    state.sha256 = payload
        except (EOFError, OSError):
            pass

    def _settle(self, state, now):
        """None while the worker should go on; else its outcome, or "retry"."""
        if state.outcome is not None:
            return state.outcome
        elapsed = now - state.started
        if elapsed > self.deadline:
            self._kill(state)
            self._read(state)
            return state.outcome or self._stopped(
                state, f"stopped after {elapsed:.0f} s: the kernel stopped answering (a notebook "
                       f"gets {self.deadline:.0f} s: its {self.limits.budget:.0f} s budget and "
                       f"{self.limits.grace:.0f} s to start and judge)")
        if state.cgroup is None and _private_memory(state.process.pid) > self.memory_bytes:
            self._kill(state)
            return self._out_of_memory(state)
        if state.process.is_alive():
            return None
        self._read(state)               # it may have finished just now
        if state.outcome is not None:
            return state.outcome
        if state.cgroup is not None and state.cgroup.oom_killed():
            return self._out_of_memory(state)
        if state.crash:
            return {"crash": state.crash.splitlines()[0]}
        if state.attempt < 2:
            return "retry"
        return {"crash": f"the grading process of this notebook died twice "
                         f"(exit code {state.process.exitcode})"}

    def _out_of_memory(self, state):
        return self._stopped(state, f"stopped: the kernel sent the grader more than it keeps (its "
                                    f"grading process reached {self.limits.worker_memory_gib:g} GiB)")

    @staticmethod
    def _stopped(state, why):
        return {"stopped": why, "cells": dict(state.cells)}

    @staticmethod
    def _kill(state):
        if state.process.is_alive():
            try:
                os.kill(state.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        state.process.join(timeout=10)

    def _clean(self, state):
        """End the worker if it is still there (it may hang on its way out after its outcome),
        and release everything it held: pipe, process handle, cgroup, folder."""
        self._kill(state)
        state.process.close()
        state.connection.close()
        if state.cgroup is not None:
            state.cgroup.remove()
        if state.job.scratch:
            shutil.rmtree(state.job.scratch, ignore_errors=True)


def _private_memory(pid):
    """Resident memory of `pid` that is not shared (with the grader it was forked from, or files),
    in bytes; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            fields = handle.read().split()
        return (int(fields[1]) - int(fields[2])) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def start_template(limits, warm=True):
    """Start the warm kernel template now, in a run folder of its own, so that its start-up
    (about 2 s of imports) overlaps the grader's own preparation; None where kernels start
    cold. The caller closes it (Template.close removes its folder)."""
    if not (warm and limits.sandbox and os.geteuid() == 0):
        return None
    from .template import Template

    return Template.in_new_folder(run_base(), f"{RUN_PREFIX}{os.getpid()}-template-")


@contextlib.contextmanager
def warming(limits, warm=True):
    """start_template() for the time of the block, closed at its end: the template warms up
    while the caller prepares, and is handed to Supervisor(template=...)."""
    template = start_template(limits, warm)
    try:
        yield template
    finally:
        if template is not None:
            template.close()
