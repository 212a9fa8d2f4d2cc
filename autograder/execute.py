"""Run a graded notebook so that nothing a student wrote can stop the grading.

nbclient runs the cells; we add what plain nbgrader lacks for a class of real submissions: a
per-cell limit and a whole-notebook budget, a restart when the kernel dies or hangs (the cells
that completed are replayed, the culprit is skipped, the remaining tests still run), a cap on
output size, and a scratch directory of its own for every submission.
"""
import copy
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell, new_output

CHECKS = Path(__file__).resolve().parent / "checks.py"

# Imported before any student code runs, so the checks can see later tampering.
BOOTSTRAP = ("try:\n    from autograder import checks as _grader_checks\n"
             "    _grader_checks.snapshot()\n    del _grader_checks\n"
             "except ImportError:\n    pass\n")


@dataclass
class Limits:
    cell_timeout: float = 30.0      # seconds one cell may run
    budget: float = 120.0           # seconds the whole notebook may run
    output_chars: int = 20_000      # characters of output kept per cell
    threads: int = 0                # torch/BLAS threads in the kernel (0: library default)


@dataclass
class Incident:
    cell_index: int
    kind: str       # "timeout", "kernel died", "budget", "replay failed"
    message: str


def error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class CappedClient(NotebookClient):
    """An nbclient that keeps at most `output_chars` of output per cell (a print loop cannot
    fill the disk or the feedback page)."""

    output_chars = 20_000
    timed_out = False

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def run_cell(self, cell, index):
        """Execute `cell` in the place of cell `index`; True when it ran out of time.

        nbclient writes the executed cell back into the notebook at `index`; we put the
        original back, so replays and the bootstrap leave the graded notebook as it was.
        """
        self.timed_out = False
        original = self.nb.cells[index]
        try:
            self.execute_cell(cell, index)
        finally:
            self.nb.cells[index] = original
        return self.timed_out

    def output(self, outs, msg, display_id, cell_index):
        kept = sum(len(o.get("text", "")) for o in outs if o.get("output_type") == "stream")
        if msg["msg_type"] == "stream" and kept >= self.output_chars:
            notice = f"\n[output truncated at {self.output_chars} characters]\n"
            if not any(o.get("text") == notice for o in outs):
                outs.append(new_output("stream", name="stdout", text=notice))
            return None
        if msg["msg_type"] == "stream":
            text = msg["content"].get("text", "")
            msg = copy.copy(msg)
            msg["content"] = dict(msg["content"], text=text[: self.output_chars - kept])
        return super().output(outs, msg, display_id, cell_index)


def scratch_directory():
    """A fresh directory outside the course tree, holding only a copy of the checks module."""
    root = Path(tempfile.mkdtemp(prefix="grade-"))
    package = root / "lib" / "autograder"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    if CHECKS.exists():
        shutil.copyfile(CHECKS, package / "checks.py")
    (root / "work").mkdir()
    return root


def kernel_environment(scratch, limits):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "JUPYTER_"))}
    env.update(PYTHONPATH=str(scratch / "lib"), NBGRADER_EXECUTION="autograde", MPLBACKEND="Agg",
               HOME=str(scratch / "work"), PYTHONDONTWRITEBYTECODE="1")
    if limits.threads:
        env.update(OMP_NUM_THREADS=str(limits.threads), MKL_NUM_THREADS=str(limits.threads))
    return env


def _client(notebook, scratch, limits):
    client = CappedClient(notebook, timeout=int(limits.cell_timeout), kernel_name="python3",
                          allow_errors=True, interrupt_on_timeout=True, record_timing=False,
                          error_on_timeout={"ename": "Timeout", "evalue": "", "traceback": []},
                          resources={"metadata": {"path": str(scratch / "work")}},
                          startup_timeout=120, shutdown_kernel="immediate",
                          extra_arguments=["--IPKernelApp.log_level=ERROR"])
    client.output_chars = limits.output_chars
    return client


def run_notebook(notebook, limits=Limits(), only=None):
    """Execute `notebook` in place (just the code cells in `only`, when given); returns the
    incidents (timeouts, deaths, budget)."""
    scratch = scratch_directory()
    incidents = []
    deadline = time.monotonic() + limits.budget
    completed = []       # indices of code cells that ran to the end without killing the kernel
    index = 0
    try:
        while index < len(notebook.cells):
            client = _client(notebook, scratch, limits)
            restart = False
            with client.setup_kernel(env=kernel_environment(scratch, limits)):
                client.run_cell(new_code_cell(BOOTSTRAP), 0)
                if not _replay(client, notebook, completed, deadline):
                    for later in range(index, len(notebook.cells)):
                        _skip(notebook, later, incidents, "replay failed",
                              "not run: the kernel could not be brought back to this point")
                    break
                while index < len(notebook.cells):
                    cell = notebook.cells[index]
                    if cell.cell_type != "code" or (only is not None and index not in only):
                        index += 1
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 1:
                        _skip(notebook, index, incidents, "budget",
                              f"not run: the notebook used up its {limits.budget:.0f} s budget")
                        index += 1
                        continue
                    client.timeout = int(max(1, min(limits.cell_timeout, remaining)))
                    try:
                        timed_out = client.run_cell(cell, index)
                    except DeadKernelError:
                        cell.outputs.append(error_output(
                            "KernelDied", "the Python process running this cell died (os._exit, "
                            "a crash, or running out of memory)"))
                        incidents.append(Incident(index, "kernel died", "the kernel died"))
                        index += 1
                        restart = True
                        break
                    if timed_out:
                        cell.outputs = [o for o in cell.outputs if o.get("output_type") != "error"]
                        cell.outputs.append(error_output(
                            "Timeout", f"this cell ran longer than {client.timeout} s and was "
                            f"stopped (an endless loop, or input() waiting for a reply?)"))
                        incidents.append(Incident(index, "timeout", f"over {client.timeout} s"))
                        index += 1
                        restart = True
                        break
                    completed.append(index)
                    index += 1
            if not restart:
                break
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return incidents


def _skip(notebook, index, incidents, kind, message):
    cell = notebook.cells[index]
    if cell.cell_type == "code":
        cell.outputs = [error_output("NotRun", message)]
        incidents.append(Incident(index, kind, message))


def _replay(client, notebook, completed, deadline):
    """Re-run the cells that completed before a restart, discarding their new outputs."""
    for index in completed:
        if time.monotonic() > deadline:
            return False
        replay = copy.deepcopy(notebook.cells[index])
        replay.outputs = []
        try:
            if client.run_cell(replay, index):
                return False
        except DeadKernelError:
            return False
    return True

