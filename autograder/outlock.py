"""One grader writes an OUT at a time: it holds OUT/.lock while it writes there."""
import contextlib
import os
from pathlib import Path


class OutInUse(RuntimeError):
    """Another grader is writing this OUT; the message names it."""


@contextlib.contextmanager
def sole_writer(out):
    """Hold OUT/.lock (fcntl) while grading: two runs on one OUT would fight over its gradebook
    and results. Sharded parts each have their own OUT, so they never wait on each other."""
    import fcntl
    import socket

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise OutInUse(f"{out} is being graded by {holder}; wait for it to finish, or give "
                           f"this run another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
