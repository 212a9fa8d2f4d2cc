"""Stand-ins for the worker's entry point (autograder.worker.main), for tests/test_supervise.py:
each behaves as a worker can, and the supervisor must cope with every one."""
import os
import time
from pathlib import Path


def finishes(connection, job, parent=None):
    connection.send(("done", {"graded": job.key}))


def judges_one_cell_then_hangs(connection, job, parent=None):
    connection.send(("cell", {"grade_id": "first_tests", "passed": True, "score": 5.0,
                              "points": 5.0, "reason": ""}))
    time.sleep(3600)


def dies(connection, job, parent=None):
    os._exit(3)


def dies_once(connection, job, parent=None):
    """Dies the first time (leaving a mark beside its notebook), finishes the second."""
    mark = Path(job.path).with_suffix(".died")
    if not mark.exists():
        mark.write_text("once")
        os._exit(3)
    finishes(connection, job, parent)


def reports_a_crash(connection, job, parent=None):
    connection.send(("crash", "ValueError: a bug of ours\nTraceback ..."))


def grows(connection, job, parent=None):
    """Holds more and more memory, as a worker flooded by its kernel would."""
    held = []
    for _ in range(40):
        held.append(bytearray(64 << 20))    # zero-filled, so every page is touched
        time.sleep(0.05)
    time.sleep(3600)
