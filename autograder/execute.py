"""Run a graded notebook so that nothing a student wrote can stop the grading.

nbclient runs the cells, each kernel in its own sandbox (sandbox.py); we add what plain nbgrader
lacks for a class of real submissions: a per-cell limit and a whole-notebook budget, a restart
when the kernel dies or hangs (the cells that completed are replayed, the culprit is skipped, the
remaining tests still run), a cap on every cell's output, and the probes' records, taken out of
the outputs for the grader to judge.
"""
import copy
import hashlib
import json
import time
from dataclasses import dataclass, field
from queue import Empty

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output

from .exercises.probing import MIME
from .feedback import inert_data
from .limits import DEFAULTS, Limits
from .sandbox import Sandbox, SandboxedKernelManager


# A dead kernel, or a message from it that no client could read (a hostile kernel sends any bytes).
KERNEL_FAILURES = (DeadKernelError, RecursionError, ValueError, KeyError, TypeError, AttributeError)


@dataclass
class Incident:
    cell_index: int
    kind: str       # "timeout", "kernel died", "budget", "replay failed"
    message: str


def error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


# What a kernel may put in an output: nbformat's schema, and no more than the feedback page shows
# (feedback.inert_data).


def _text(value):
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    return value if isinstance(value, str) else json.dumps(value, default=str)[:2000]


def well_formed(msg_type, content):
    """An output message's content coerced to what nbformat accepts: a hostile kernel can send
    any JSON, and one malformed output must not stop its notebook from being saved and scored."""
    if not isinstance(content, dict):
        content = {}
    if msg_type == "stream":
        return {"name": "stderr" if content.get("name") == "stderr" else "stdout",
                "text": _text(content.get("text", ""))}
    if msg_type == "error":
        traceback = content.get("traceback")
        return {"ename": _text(content.get("ename", "Error"))[:200], "evalue": _text(content.get("evalue", "")),
                "traceback": [_text(line) for line in traceback[:200]] if isinstance(traceback, list) else []}
    if msg_type in ("display_data", "execute_result", "update_display_data"):
        data = content.get("data") if isinstance(content.get("data"), dict) else {}
        cleaned = {"data": inert_data(data, _text), "metadata": {}}
        if msg_type == "execute_result":
            count = content.get("execution_count")
            cleaned["execution_count"] = count if _count(count) else None
        if isinstance(content.get("transient"), dict):
            cleaned["transient"] = {k: v for k, v in content["transient"].items()
                                    if k == "display_id" and isinstance(v, str)}
        return cleaned
    return content


def _count(value):
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


class CappedClient(NotebookClient):
    """An nbclient that keeps at most `output_chars` of output per cell, of every kind (a print
    loop or a display() flood cannot fill the disk or the feedback page), and sets the probes'
    records aside instead of showing them."""

    output_chars = DEFAULTS.output_chars
    record_chars = DEFAULTS.record_chars
    timed_out = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = {}       # cell index -> [record, ...]
        self.truncated = set()  # cell indices whose output was cut
        self._kept = {}         # cell index -> characters of output kept
        self._record_sizes = {} # cell index -> characters of records kept
        self._record_keys = {}  # cell index -> digests of the records kept
        self.overflowed = set() # cell indices that sent more records than record_chars

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
        content = msg.get("content", {})
        data = content.get("data") if isinstance(content.get("data"), dict) else {}
        if msg["msg_type"] in ("display_data", "execute_result") and MIME in data:
            self._keep_record(cell_index, data[MIME])
            return None
        msg = copy.copy(msg)
        msg["content"] = content = well_formed(msg["msg_type"], content)
        kept = self._kept.get(cell_index, 0)
        if msg["msg_type"] == "stream":
            text = str(content.get("text", ""))[: max(0, self.output_chars - kept)]
            size = len(text)
            msg = copy.copy(msg)
            msg["content"] = dict(content, text=text)
        else:
            size = len(json.dumps(content, default=str))
        if kept >= self.output_chars or (msg["msg_type"] != "stream" and kept + size > self.output_chars):
            self._truncate(outs, cell_index)
            return None
        self._kept[cell_index] = kept + size
        return super().output(outs, msg, display_id, cell_index)

    def process_message(self, msg, cell, cell_index):
        """A message whose content (or its `transient`) is not an object is read as empty: a
        hostile kernel can send any JSON, and nbclient assumes the shapes of the protocol."""
        content = msg.get("content")
        if not isinstance(content, dict):
            msg = dict(msg, content={})
        else:
            bad = [k for k, ok in (("transient", isinstance(content.get("transient"), dict)),
                                   ("execution_count", _count(content.get("execution_count"))))
                   if k in content and not ok]
            if bad:     # nbclient copies execution_count into the cell: it must stay a count
                msg = dict(msg, content={k: v for k, v in content.items() if k not in bad})
        return super().process_message(msg, cell, cell_index)

    def handle_comm_msg(self, outs, msg, cell_index):
        """Widget (comm) traffic is dropped: grading shows no widgets, and nbclient would keep
        every buffer a kernel sends."""
        return None

    def _update_display_id(self, display_id, msg):
        """A display update rewrites outputs kept earlier: it goes through the same type filter and
        counts against the same per-cell cap as a new output (nbclient applies it unfiltered)."""
        if display_id not in self._display_id_map:
            return
        msg = copy.copy(msg)
        msg["header"] = dict(msg.get("header") or {}, msg_type="display_data")
        msg["msg_type"] = "display_data"
        msg["content"] = content = well_formed("display_data", msg.get("content"))
        size = len(json.dumps(content, default=str))
        for cell_index in self._display_id_map[display_id]:
            kept = self._kept.get(cell_index, 0)
            if kept + size > self.output_chars:
                self.truncated.add(cell_index)
                return
        for cell_index in self._display_id_map[display_id]:
            self._kept[cell_index] = self._kept.get(cell_index, 0) + size
        super()._update_display_id(display_id, msg)

    def _truncate(self, outs, cell_index):
        notice = f"\n[output truncated: a cell keeps at most {self.output_chars} characters of output]\n"
        self.truncated.add(cell_index)
        if not any(o.get("text") == notice for o in outs):
            outs.append(new_output("stream", name="stdout", text=notice))

    def _keep_record(self, cell_index, record):
        """Keep each distinct record for the judge while the cell's records stay under
        `record_chars`. Past it the cell is marked overflowed and fails: dropping records silently
        would let a flood of forged ones push the genuine record out. One too deep or too large to
        serialise is dropped (the genuine probe's never is)."""
        if cell_index in self.overflowed:       # the cell fails already: no record counts
            return
        try:
            text = json.dumps(record, sort_keys=True)
        except (ValueError, TypeError, RecursionError):
            return
        seen = self._record_keys.setdefault(cell_index, set())
        key = hashlib.sha256(text.encode()).digest()
        if key in seen:
            return
        used = self._record_sizes.get(cell_index, 0)
        if used + len(text) > self.record_chars:
            self.overflowed.add(cell_index)
            return
        seen.add(key)
        self.records.setdefault(cell_index, []).append(record)
        self._record_sizes[cell_index] = used + len(text)

    def forget_records(self, cell_index):
        """Start cell `cell_index` afresh (it is about to run)."""
        for kept in (self.records, self._record_sizes, self._record_keys):
            kept.pop(cell_index, None)
        self.overflowed.discard(cell_index)

    def clear_output(self, outs, msg, cell_index):
        self._kept[cell_index] = 0
        return super().clear_output(outs, msg, cell_index)


class BoundedKernelClient(AsyncKernelClient):
    """A kernel client without the heartbeat channel. jupyter_client's HBChannel is a thread whose
    stop() joins with no timeout, and a kernel that fouls its heartbeat socket kept it waiting
    for ever; nbclient notices a dead kernel by polling the process instead."""

    def start_channels(self, shell=True, iopub=True, stdin=True, hb=True, control=True):
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=False, control=control)

    async def wait_for_ready(self, timeout=None):
        """jupyter_client's wait with shorter waits on IOPub (0.2 s twice there, the last one
        listening for silence): a warm kernel is ready in 0.05 s, and nbclient matches every
        message to its request anyway."""
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:        # IOPub is connected once it carries the request's status
                    await self.iopub_channel.get_msg(timeout=0.05)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0.01)
            except Empty:
                return


def bounded_context(limits):
    """A ZeroMQ context whose sockets drop a peer that sends a frame over `frame_mib` (a kernel
    could otherwise make the grader hold gigabytes for one message) and never linger on close."""
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, limits.frame_mib << 20)
    context.setsockopt(zmq.LINGER, 0)
    context.setsockopt(zmq.RECONNECT_IVL, 10)       # ms; a kernel binds its sockets in moments
    return context


def _client(notebook, sandbox, limits, context):
    client = CappedClient(notebook, timeout=int(limits.cell_timeout), kernel_name="python3",
                          allow_errors=True, interrupt_on_timeout=True, record_timing=False,
                          error_on_timeout={"ename": "Timeout", "evalue": "", "traceback": []},
                          startup_timeout=120, shutdown_kernel="immediate",
                          extra_arguments=["--IPKernelApp.log_level=ERROR",
                                            "--HistoryManager.enabled=False"])   # no SQLite file per kernel
    client.output_chars, client.record_chars = limits.output_chars, limits.record_chars
    client.km = SandboxedKernelManager(sandbox, kernel_name="python3", context=context,
                                       client_class="autograder.execute.BoundedKernelClient")
    return client


@dataclass
class Execution:
    """What running a notebook produced besides its outputs."""
    incidents: list
    records: dict           # cell index -> the distinct probe records that cell sent
    truncated: set          # cell indices whose output was cut at the limit
    overflowed: set         # cell indices whose records passed Limits.record_chars
    enforcement: str = ""   # which mechanism enforced the limits (Sandbox.enforcement)
    seconds: dict = field(default_factory=lambda: {"start": 0.0, "judge": 0.0, "kernel cpu": 0.0})  # make bench
    cell_seconds: dict = field(default_factory=dict)     # cell index -> seconds its run took


def run_notebook(notebook, limits=Limits(), only=None, on_cell=None, template=None):
    """Execute `notebook` in place (just the code cells in `only`, when given), each kernel in a
    fresh sandbox; returns an Execution (incidents, records, truncated cells).

    `on_cell(index, execution)`, when given, is called after each cell runs (not on replays), so a
    caller can judge test cells as they finish instead of only at the end. `template`: the socket
    of a warm kernel template (template.py); kernels start cold without one.
    """
    execution = Execution([], {}, set(), set())
    deadline = time.monotonic() + limits.budget      # kernel starts and restarts count too
    completed = []       # indices of code cells that ran to the end without killing the kernel
    index = 0
    while index < len(notebook.cells):
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            _skip_rest(notebook, index, execution.incidents, "budget",
                       f"not run: the notebook used up its {limits.budget:.0f} s budget")
            break
        sandbox = Sandbox(limits.sandbox_limits(), threads=limits.threads, enabled=limits.sandbox,
                          template=template)
        context = bounded_context(limits)
        client = _client(notebook, sandbox, limits, context)
        client.startup_timeout = int(max(1, remaining))
        started = time.monotonic()
        try:
            with client.setup_kernel():
                execution.seconds["start"] += time.monotonic() - started
                sandbox.lock_runtime()
                if not _replay(client, notebook, completed, deadline):
                    _skip_rest(notebook, index, execution.incidents, "replay failed",
                               "not run: the kernel could not be brought back to this point")
                    break
                index, restart = _run_cells(client, sandbox, notebook, index, only, limits,
                                            deadline, completed, execution, on_cell)
        except RuntimeError as error:       # the kernel died while starting (a limit, a crash)
            limit = sandbox.tripped
            _skip_rest(notebook, index, execution.incidents, "limit" if limit else "kernel died",
                       f"not run: the kernel could not start ({limit or error})")
            break
        finally:
            _collect(client, execution)
            execution.enforcement = sandbox.enforcement
            sandbox.close()
            execution.seconds["kernel cpu"] += sandbox.cpu_seconds
            context.destroy(linger=0)
        if not restart:
            break
    return execution


def _collect(client, execution):
    execution.records.update({i: r for i, r in client.records.items() if r})
    execution.truncated |= client.truncated
    execution.overflowed |= client.overflowed


def _run_cells(client, sandbox, notebook, index, only, limits, deadline, completed, execution,
               on_cell):
    """Run cells from `index` in the kernel at hand; (next index, whether to restart)."""
    while index < len(notebook.cells):
        cell = notebook.cells[index]
        if cell.cell_type != "code" or (only is not None and index not in only):
            index += 1
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            _skip(notebook, index, execution.incidents, "budget",
                  f"not run: the notebook used up its {limits.budget:.0f} s budget")
            index += 1
            continue
        client.timeout = int(max(1, min(limits.cell_timeout, remaining)))
        stopped = _run_cell(client, sandbox, cell, index, execution)
        if not stopped:
            completed.append(index)
        if on_cell is not None:
            started = time.monotonic()
            _collect(client, execution)
            on_cell(index, execution)
            execution.seconds["judge"] += time.monotonic() - started
        index += 1
        if stopped:
            return index, True
    return index, False


def _run_cell(client, sandbox, cell, index, execution):
    """Run `cell` (at `index`) in the kernel at hand; True when something stopped it (its time
    limit, the kernel's death, a sandbox limit), which its outputs and an Incident then say."""
    client.forget_records(index)
    problem = None
    started = time.monotonic()
    try:
        timed_out = client.run_cell(cell, index)
    except KERNEL_FAILURES as error:
        problem = _kernel_failure(sandbox, error)
    else:
        if timed_out:
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "error"]
            problem = ("Timeout", f"this cell ran longer than {client.timeout} s and was stopped "
                       f"(an endless loop, or input() waiting for a reply?)", "timeout",
                       f"over {client.timeout} s")
        elif sandbox.tripped:     # a limit hit between two messages of a living cell
            problem = ("LimitExceeded", f"the sandbox was stopped: {sandbox.tripped}", "limit",
                       sandbox.tripped)
    execution.cell_seconds[index] = time.monotonic() - started
    if problem:
        ename, evalue, kind, message = problem
        cell.outputs.append(error_output(ename, evalue))
        execution.incidents.append(Incident(index, kind, message))
    return problem is not None


def _kernel_failure(sandbox, error):
    """(ename, evalue, incident kind, message) of a cell whose kernel died or sent what no
    client could read."""
    if not isinstance(error, DeadKernelError):   # messages no client could read
        sandbox.tripped = sandbox.tripped or (
            f"the kernel sent a message the grader cannot read ({type(error).__name__})")
    limit = sandbox.tripped
    return (("LimitExceeded", f"the sandbox was stopped: {limit}", "limit", limit) if limit
            else ("KernelDied", "the Python process running this cell died (os._exit, a "
                  "crash, or running out of memory)", "kernel died", "the kernel died"))


def _skip(notebook, index, incidents, kind, message):
    cell = notebook.cells[index]
    if cell.cell_type == "code":
        cell.outputs = [error_output("NotRun", message)]
        incidents.append(Incident(index, kind, message))


def _skip_rest(notebook, index, incidents, kind, message):
    """Mark every code cell from `index` on as not run, with `message`."""
    for later in range(index, len(notebook.cells)):
        _skip(notebook, later, incidents, kind, message)


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
        except KERNEL_FAILURES:
            return False
        finally:
            client.forget_records(index)    # the cell's verdict is its first run's, not a replay's
    return True

