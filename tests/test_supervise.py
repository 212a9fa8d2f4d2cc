"""The supervisor keeps every notebook's deadline from outside the worker, so no worker can stall
grading, and a worker that dies or grows takes only its own submission with it."""
import os
import re
import time
from pathlib import Path

import psutil
import pytest

import supervise_targets as targets
from autograder.execute import Limits
from autograder.supervise import RUN_PREFIX, Job, Supervisor, remove_stale_runs


def jobs(tmp_path, count):
    found = []
    for index in range(count):
        path = tmp_path / f"s{index}.ipynb"
        path.write_text("{}")
        found.append(Job(f"s{index}/a", f"s{index}", "a", path, path, path, None))
    return found


def run(tmp_path, target, count=1, **limits):
    limits = Limits(**{"budget": 2.0, "grace": 1.0, **limits})
    started = time.monotonic()
    outcomes = {job.key: outcome for job, outcome in
                Supervisor(2, limits, target=target).run(jobs(tmp_path, count))}
    return outcomes, time.monotonic() - started


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """Every run folder this test's supervisor makes lives in tmp_path/tmp (checked empty after)."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    # (pymp-*: multiprocessing's own folder for the fork server's socket, removed at exit)
    left = [p for p in folder.iterdir() if not p.name.startswith("pymp-")]
    assert left == [], "a worker's temporary folder was left behind"


def test_a_finished_worker_hands_over_its_outcome(tmp_path):
    outcomes, _ = run(tmp_path, targets.finishes, count=3)
    assert outcomes == {f"s{i}/a": {"graded": f"s{i}/a"} for i in range(3)}


def test_a_hung_worker_is_stopped_at_its_deadline_and_keeps_what_was_judged(tmp_path):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    outcomes, seconds = run(tmp_path, targets.judges_one_cell_then_hangs, count=3)
    assert seconds < 60, f"3 hung workers, 2 at a time, 3 s each: took {seconds:.1f} s"
    for outcome in outcomes.values():
        # each stopped at its own deadline (budget 2 s + grace 1 s), counted from its own start:
        # the pool's start (imports before the first fork) is not the workers' time
        stopped_after = re.search(r"stopped after (\d+) s", outcome["stopped"])
        assert stopped_after and int(stopped_after.group(1)) <= 3 + 2, outcome["stopped"]
        assert "stopped answering" in outcome["stopped"]
        assert outcome["cells"] == {"first_tests": {"grade_id": "first_tests", "passed": True,
                                                    "score": 5.0, "points": 5.0, "reason": ""}}
    left = [p for p in psutil.Process().children(recursive=True)
            if p.pid not in before and "forkserver" not in " ".join(p.cmdline())]
    assert left == [], f"workers outlived their deadline: {left}"


def test_a_worker_that_dies_is_retried_once(tmp_path):
    outcomes, _ = run(tmp_path, targets.dies_once, count=2)
    assert outcomes == {"s0/a": {"graded": "s0/a"}, "s1/a": {"graded": "s1/a"}}


def test_a_worker_that_dies_twice_gets_a_crash_and_the_rest_go_on(tmp_path):
    outcomes, _ = run(tmp_path, targets.dies, count=2)
    assert all("died twice" in outcome["crash"] for outcome in outcomes.values()), outcomes


def test_a_crash_report_is_one_line(tmp_path):
    outcomes, _ = run(tmp_path, targets.reports_a_crash)
    assert outcomes == {"s0/a": {"crash": "ValueError: a bug of ours"}}


def test_a_worker_that_grows_past_its_memory_is_stopped(tmp_path):
    outcomes, _ = run(tmp_path, targets.grows, budget=30.0, worker_memory_gib=0.5)
    assert "more than it keeps" in outcomes["s0/a"]["stopped"], outcomes


def test_stale_run_folders_of_dead_graders_are_removed_and_live_ones_kept(private_tmp):
    dead = psutil.Popen(["true"])
    dead.wait()
    stale = private_tmp / f"{RUN_PREFIX}{dead.pid}-abc"
    live = private_tmp / f"{RUN_PREFIX}{os.getppid()}-abc"
    other = private_tmp / "someone-else"
    for folder in (stale, live, other):
        folder.mkdir()
    remove_stale_runs(private_tmp)
    kept = sorted(p.name for p in private_tmp.iterdir() if not p.name.startswith("pymp-"))
    assert kept == sorted([live.name, other.name])
    live.rmdir()
    other.rmdir()


def test_a_long_tmpdir_still_leaves_room_for_a_kernels_socket(tmp_path, monkeypatch):
    """A Unix socket's path holds 107 bytes: under a deep TMPDIR the run folder moves to a short
    base, so a kernel's sockets (run folder / job / kernel folder / socket) still fit."""
    import tempfile

    from autograder.supervise import SOCKET_ROOM, run_base

    deep = tmp_path / ("d" * 60)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    base = run_base()
    assert base != str(deep) and len(base) + SOCKET_ROOM <= 107
    socket = f"{base}/autograder-run-4194304-abcdefgh/j1234/autograder-kernel-abcdefgh/run/kernel-5"
    assert len(socket) <= 107


def test_a_workers_kernel_cgroups_are_made_beside_its_own_not_inside():
    """Nested, the worker's 2 GiB would cap its kernel's 4 GiB, and the worker's cgroup could not
    be removed (the kernels' parent folder stays in it)."""
    import subprocess
    import sys

    from autograder.cgroup import Cgroup

    worker = Cgroup.create(name="worker", memory_bytes=1 << 30, pids=100, cpus=1)
    assert worker is not None, f"this machine (root, cgroup v1 or v2) should allow one: {Cgroup.unavailable}"
    child = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                              "time.sleep(0.5)\n"
                              "from autograder.cgroup import Cgroup\n"
                              "k = Cgroup.create(name='kernel', memory_bytes=1 << 30, pids=100, cpus=1)\n"
                              "print(*sorted(str(f) for f in k.folders.values()))\n"
                              "k.remove()\n"], stdout=subprocess.PIPE, text=True)
    worker.add(child.pid)
    kernel_folders, _ = child.communicate(timeout=60)
    worker.remove()
    assert all(not folder.exists() for folder in worker.folders.values()), "the worker's cgroup stayed"
    for kernel, mine in zip(kernel_folders.split(), sorted(str(f) for f in worker.folders.values())):
        assert Path(kernel).parent == Path(mine).parent, (kernel, mine)


def test_a_class_of_workers_leaves_no_open_file_behind(tmp_path):
    """Every ended worker's pipe and process handle are closed: a class of hundreds must not run
    the grader out of file descriptors."""
    import os

    before = len(os.listdir("/proc/self/fd"))
    outcomes, _ = run(tmp_path, targets.finishes, count=12)
    assert len(outcomes) == 12
    assert len(os.listdir("/proc/self/fd")) <= before


def test_an_oversized_notebook_is_refused_without_being_read(tmp_path, monkeypatch):
    from autograder import worker

    monkeypatch.setattr(worker, "MAX_NOTEBOOK_BYTES", 100)
    path = tmp_path / "big.ipynb"
    path.write_bytes(b"x" * 101)
    sent = []
    assert worker._snapshot(path, lambda kind, payload: sent.append((kind, payload))) is None
    assert sent[0] == ("read", "") and "MiB" in sent[1][1]["broken"]
    path.unlink()
    assert worker._snapshot(path, lambda kind, payload: sent.append((kind, payload))) is None
    assert "graded on the next run" in sent[-1][1]["vanished"]
