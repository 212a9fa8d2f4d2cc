"""Warm kernels: one template process per grading run pays a kernel's start-up (interpreter,
ipykernel, torch and torch._dynamo, numpy, matplotlib: about 3 s) once, and forks a child per
submission that enters a sandbox bubblewrap has just built and becomes its kernel (see
template_process.py for what the child does before any student code runs).

Used where the sandbox has everything a fork can inherit safely: root (a user id of its own per
kernel) and a cgroup (the kernel's limits; a fork is no descendant of bubblewrap, so the watchdog's
process-tree estimate could not follow it). Elsewhere kernels start cold, as before.
"""
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import seccomp

PROGRAM = Path(__file__).resolve().parent / "template_process.py"
SECCOMP_MODULE = Path(seccomp.__file__).resolve()
START_SECONDS = 120
ARGV_ROOM = 2048        # bytes of padding argument: room for the kernel's command line


class TemplateUnavailable(RuntimeError):
    """The template could not start or answer."""


def read_line(stream, timeout):
    """One line from a pipe, within `timeout` seconds ('' if none came)."""
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline().decode(errors="replace").strip() if ready else ""


class Template:
    """The template process of one grading run; `socket_path` is where kernels are asked for."""

    def __init__(self, folder, use_seccomp=True, owns_folder=False):
        self.folder, self._owns_folder = Path(folder), owns_folder
        self.socket_path = str(Path(folder) / "template.sock")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(Path(folder) / "template-mpl"),
               "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(folder),
               # OpenBLAS starts its threads when numpy loads; a template forks with one thread
               # only (kernels have one CPU of quota anyway)
               "OPENBLAS_NUM_THREADS": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(PROGRAM), self.socket_path,
             str(SECCOMP_MODULE) if use_seccomp else "", str(os.getpid()), " " * ARGV_ROOM],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=str(folder), env=env, start_new_session=True)
        self._ready = False

    def wait_ready(self, timeout=START_SECONDS):
        """Block until the template listens; TemplateUnavailable if it died or took too long."""
        if not self._ready:
            line = read_line(self.process.stdout, timeout)
            if line != "ready":
                self.close()
                raise TemplateUnavailable("the kernel template did not start")
            self._ready = True

    @classmethod
    def in_new_folder(cls, base, prefix):
        """A template in a folder of its own under `base`, removed by close()."""
        return cls(tempfile.mkdtemp(prefix=prefix, dir=base), owns_folder=True)

    def close(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        if self._owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def request_kernel(socket_path, holder_pid, holder_pipe, request, timeout):
    """Ask the template at `socket_path` for a kernel inside the sandbox held by `holder_pid`;
    `holder_pipe` is the write end of the holder's pipe (the kernel keeps it open while it lives).
    Raises RuntimeError with the template's reason when the kernel could not be made."""
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        try:
            connection.connect(socket_path)
            payload = json.dumps({**request, "holder_pid": holder_pid}).encode()
            socket.send_fds(connection, [payload], [holder_pipe])
            connection.shutdown(socket.SHUT_WR)
            reply = b""
            while not reply.endswith(b"\n") and time.monotonic() < deadline:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                reply += chunk
        except OSError as error:
            raise RuntimeError(f"the kernel template did not answer ({error})") from error
    answer = reply.decode(errors="replace").strip()
    if answer != "ok":
        raise RuntimeError(f"the kernel template could not start a kernel: {answer or 'no reply'}")
