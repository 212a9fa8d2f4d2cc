"""The sandbox: what a kernel sees wherever the Python environment lives, and the limits the Linux
kernel enforces on it (cgroup, seccomp, user ids). Each test drives a plain `python -c` through
Sandbox.command, as the grader drives a kernel."""
import ctypes.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder import cgroup as cgroup_module
from autograder import sandbox as sandbox_module
from autograder import seccomp as seccomp_module
from autograder.cgroup import Cgroup
from autograder.sandbox import Sandbox, SandboxLimits

MiB = 1 << 20
ROOT = Path(__file__).resolve().parent.parent


def run(box, code, timeout=60):
    return subprocess.run(box.command([sys.executable, "-c", code]), env=box.environment(),
                          capture_output=True, text=True, timeout=timeout)


def cgroup_box(**limits):
    box = Sandbox(SandboxLimits(**limits))
    if box.cgroup is None:
        box.close()
        pytest.skip(f"this machine cannot give the grader a cgroup: {box.no_cgroup}")
    return box


def gone(box):
    """Neither the sandbox's cgroup folders nor its host folder exist any more."""
    folders = list(box.cgroup.folders.values()) if box.cgroup else []
    return not box.host_dir.exists() and not any(folder.exists() for folder in folders)


def test_an_environment_under_tmp_stays_visible_over_the_scratch_tmpfs(monkeypatch):
    """A venv under /tmp (a clone in a temporary folder) must not be hidden by the kernel's own /tmp."""
    venv = Path(tempfile.mkdtemp(prefix="venv-under-tmp-", dir="/tmp"))
    os.chmod(venv, 0o755)
    (venv / "marker").write_text("visible\n")
    os.chmod(venv / "marker", 0o644)
    real = sandbox_module._python_prefixes
    monkeypatch.setattr(sandbox_module, "_python_prefixes", lambda: real() + [str(venv)])
    box = Sandbox()
    try:
        seen = subprocess.run(box.command(["/bin/sh", "-c", f"cat {venv}/marker && touch /tmp/scratch-ok && echo writable"]),
                              env=box.environment(), capture_output=True, text=True, timeout=60)
    finally:
        box.close()
    assert seen.stdout.split() == ["visible", "writable"], seen.stderr


# memory: every kind of page the kernel's processes hold counts ------------------------------------
PREAMBLE = "import os\nblock = os.urandom(16 << 20)\n"
HOLD = {      # 768 MiB in 16 MiB steps, each kind of memory a watchdog's PSS would miss or misjudge
    "memfd": "fd = os.memfd_create('hog')\n"
             "for i in range(48): os.write(fd, block); print(i, flush=True)",
    "sysv shm": "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.shmat.restype = ctypes.c_void_p\n"
                "segment = libc.shmget(0, 768 << 20, 0o1600)\nassert segment >= 0, ctypes.get_errno()\n"
                "address = libc.shmat(segment, None, 0)\n"
                "for i in range(48): ctypes.memmove(address + i * len(block), block, len(block)); print(i, flush=True)",
    "posix shm": "from multiprocessing import shared_memory\n"
                 "shm = shared_memory.SharedMemory(create=True, size=768 << 20)\n"
                 "for i in range(48): shm.buf[i * len(block):(i + 1) * len(block)] = block; print(i, flush=True)",
    "scratch files": "with open('/tmp/fill', 'wb') as handle:\n"
                     "    for i in range(48): handle.write(block); handle.flush(); print(i, flush=True)",
}


def _meminfo(key):
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


@pytest.mark.parametrize("kind", list(HOLD))
def test_memory_of_every_kind_past_the_limit_ends_the_sandbox_and_is_given_back(kind):
    shmem_before = _meminfo("Shmem")
    box = cgroup_box(memory_bytes=256 * MiB)
    try:
        result = run(box, PREAMBLE + HOLD[kind] + "\nprint('held it all', flush=True)")
        held = int(result.stdout.split()[-1]) + 1 if result.stdout.split() else 0
        assert "held it all" not in result.stdout, result.stderr[-500:]
        assert result.returncode != 0
        assert held * 16 < 256 + 16, f"{held * 16} MiB written past a 256 MiB limit"
        assert box.cgroup.oom_killed() >= 1
        assert box.tripped.startswith("memory limit:") and "256 MiB" in box.tripped, box.tripped
        deadline = time.monotonic() + 10      # the namespaces (tmpfs, IPC) go a moment after the processes
        while box.cgroup.memory_stat().get("shmem", 0) > 16 * MiB and time.monotonic() < deadline:
            time.sleep(0.05)
        assert box.cgroup.procs() == []
        assert box.cgroup.memory_stat().get("shmem", 0) <= 16 * MiB, box.cgroup.memory_stat()
        peak = box.cgroup.memory_peak()
        assert peak is None or peak <= 256 * MiB
    finally:
        box.close()
    assert gone(box)
    assert _meminfo("Shmem") < shmem_before + 128 * MiB    # the host has its memory back


# seccomp and namespaces --------------------------------------------------------------------------
SYSCALLS = r"""
import ctypes, errno, json, os, subprocess
libc = ctypes.CDLL(None, use_errno=True)
def call(number, *args):
    ctypes.set_errno(0)
    result = libc.syscall(number, *args)
    return errno.errorcode.get(ctypes.get_errno(), "ok") if result == -1 else "ok"
params = ctypes.create_string_buffer(120)
seen = {
    "unshare(CLONE_NEWUSER)": call(272, 0x10000000),
    "clone(CLONE_NEWUSER)": call(56, 0x10000000 | 17, 0, 0, 0, 0),
    "clone3": call(435, 0, 0),
    "setns": call(308, 0, 0),
    "mount": call(165, b"none", b"/tmp", b"tmpfs", 0, 0),
    "fsopen": call(430, b"tmpfs", 0),
    "keyctl": call(250, 0, -3, 1),
    "add_key": call(248, b"user", b"grader", b"secret", 6, -3),
    "request_key": call(249, b"user", b"grader", 0, -3),
    "io_uring_setup": call(425, 8, params),
    "ptrace(TRACEME)": call(101, 0, 0, 0, 0),
    "process_vm_readv": call(310, os.getppid(), 0, 0, 0, 0, 0),
    "userfaultfd": call(323, 0),
    "bpf": call(321, 0, 0, 0),
    "perf_event_open": call(298, 0, 0, -1, -1, 0),
    "personality(READ_IMPLIES_EXEC)": call(135, 0x0400000),
}
seen["personality(query)"] = "ok" if libc.personality(0xFFFFFFFF) == 0 else "refused"
unshare = subprocess.run(["unshare", "-Urm", "true"], capture_output=True, text=True)
seen["unshare -Urm"] = f"exit {unshare.returncode}: {unshare.stderr.strip()}"
if hasattr(os, "unshare"):         # Python 3.12+
    try:
        os.unshare(os.CLONE_NEWUSER)
        seen["os.unshare"] = "ok"
    except OSError as error:
        seen["os.unshare"] = errno.errorcode[error.errno]
ctypes.set_errno(0)
seen["libc unshare(CLONE_NEWUSER|CLONE_NEWNS)"] = "ok" if libc.unshare(0x10020000) == 0 else errno.errorcode[ctypes.get_errno()]
print(json.dumps(seen))
"""

WORKLOADS = r"""
import concurrent.futures, multiprocessing, json, threading
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    threads = sum(pool.map(lambda n: n * n, range(1000)))
with multiprocessing.get_context("fork").Pool(3) as pool:
    forked = sum(pool.map(abs, range(-50, 0)))
lock = multiprocessing.Lock()
with lock:
    pass
queue = multiprocessing.Queue()
worker = multiprocessing.Process(target=queue.put, args=("from a child",))
worker.start(); worker.join()
print(json.dumps({"threads": threads, "forked": forked, "queue": queue.get(timeout=10),
                  "exitcode": worker.exitcode}))
"""


@pytest.fixture
def seccomp_box():
    if ctypes.util.find_library("seccomp") is None:
        pytest.skip("libseccomp.so.2 is not installed on this machine")
    box = Sandbox()
    assert box.seccomp_file is not None, f"libseccomp is here, but seccomp is off: {box.no_seccomp}"
    assert "seccomp on" in box.enforcement
    yield box
    box.close()
    assert gone(box)


def test_seccomp_refuses_namespaces_keyrings_io_uring_and_ptrace(seccomp_box):
    import json

    result = run(seccomp_box, SYSCALLS)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout)
    refused = {name: answer for name, answer in seen.items()
               if name not in ("clone3", "personality(query)", "unshare -Urm")}
    assert refused == dict.fromkeys(refused, "EPERM"), seen
    assert seen["clone3"] == "ENOSYS", seen          # so that glibc falls back to clone
    assert seen["personality(query)"] == "ok", seen
    assert seen["unshare -Urm"].startswith("exit 1") and "Operation not permitted" in seen["unshare -Urm"], seen


def test_threads_fork_and_multiprocessing_still_work(seccomp_box):
    import json

    result = run(seccomp_box, WORKLOADS)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == {"threads": sum(n * n for n in range(1000)), "forked": 1275,
                                         "queue": "from a child", "exitcode": 0}


def test_without_libseccomp_the_sandbox_still_runs_and_says_seccomp_is_off(monkeypatch):
    monkeypatch.setattr(seccomp_module, "binding", lambda: (None, "libseccomp not found (test)"))
    box = Sandbox()
    try:
        assert box.seccomp_file is None
        assert "seccomp off (libseccomp not found (test))" in box.enforcement
        assert run(box, "print('ran')").stdout.strip() == "ran"
    finally:
        box.close()


# processes and CPU -------------------------------------------------------------------------------
FORKS = r"""
import os, signal, time
children = []
try:
    for _ in range(100):
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        children.append(pid)
    print(len(children), "no limit", flush=True)
except BlockingIOError as error:
    print(len(children), "refused", flush=True)
for pid in children:
    os.kill(pid, signal.SIGKILL)
"""


def test_processes_past_pids_max_are_refused_and_named():
    box = cgroup_box(processes=20)
    try:
        result = run(box, FORKS)
        count, verdict = result.stdout.split()
        assert verdict == "refused", result.stdout
        assert 15 <= int(count) < 20, result.stdout        # python itself is one of the 20
        assert box.cgroup.pids_refused() >= 1
        assert box.tripped == "process limit: more than 20 processes (threads included)"
        assert "--nproc" not in " ".join(box.command(["true"]))   # the cgroup, not RLIMIT_NPROC
    finally:
        box.close()
    assert gone(box)


HOG = r"""
import os, resource, time
start = time.monotonic()
pids = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        while time.monotonic() - start < 2.0:
            pass
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.monotonic() - start, usage.ru_utime + usage.ru_stime)
"""


def test_a_cpu_hog_gets_one_core():
    """8 busy processes for 2 s get at most one core's time. (On a busy machine they may get less
    anyway, and below a whole core they need not have met the quota; when they got nearly all of
    a core, the kernel must have throttled them.)"""
    box = cgroup_box()
    try:
        assert box.cpus == 1
        quota = {1: ("cpu", "cpu.cfs_quota_us", "100000"), 2: ("", "cpu.max", "100000 100000")}[box.cgroup.version]
        assert (box.cgroup.folders[quota[0]] / quota[1]).read_text().strip() == quota[2]
        before = box.cgroup.cpu_seconds()
        result = run(box, HOG)
        wall, cpu = map(float, result.stdout.split())
        after, throttled = box.cgroup.cpu_seconds(), box.cgroup.cpu_throttled()
    finally:
        box.close()
    print(f"8 busy processes: {cpu:.2f} s of CPU in {wall:.2f} s, throttled {throttled} times")
    assert cpu <= 1.2 * wall + 0.1, f"8 busy processes used {cpu:.2f} s of CPU in {wall:.2f} s"
    assert cpu > 0
    if cpu > 0.97 * wall:
        assert throttled > 0
    if before is not None:
        assert after - before <= 1.2 * wall + 0.3


def test_the_cpu_quota_is_a_hard_ceiling_even_on_a_busy_machine():
    """A quota of 1/20 core binds whatever else the machine runs: 8 busy processes for 1 s get
    about 0.05 s of CPU, and the kernel reports the throttling."""
    group = Cgroup.create("kernel", memory_bytes=256 * MiB, pids=32, cpus=0.05)
    if group is None:
        pytest.skip(f"this machine cannot give the grader a cgroup: {Cgroup.unavailable}")
    try:
        result = subprocess.run(group.join_argv([sys.executable, "-c", HOG.replace("2.0", "1.0")]),
                                capture_output=True, text=True, timeout=60)
        wall, cpu = map(float, result.stdout.split())
        throttled = group.cpu_throttled()
    finally:
        group.remove()
    print(f"a 0.05-core quota: {cpu:.3f} s of CPU in {wall:.2f} s, throttled {throttled} times")
    assert cpu <= 0.05 * wall * 1.5 + 0.05, f"{cpu:.3f} s of CPU in {wall:.2f} s"
    assert throttled > 0


def test_the_cpu_quota_follows_threads():
    box = Sandbox(threads=2)
    try:
        assert box.cpus == 2
        if box.cgroup is not None and box.cgroup.version == 1:
            assert (box.cgroup.folders["cpu"] / "cpu.cfs_quota_us").read_text().strip() == "200000"
    finally:
        box.close()


def test_kill_ends_everything_in_the_sandbox_now():
    box = cgroup_box()
    process = subprocess.Popen(box.command([sys.executable, "-c", "import os, time\nos.fork(); os.fork()\ntime.sleep(60)"]),
                               env=box.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        box.watch(process.pid)
        deadline = time.monotonic() + 20
        while len(box.cgroup.procs()) < 6 and time.monotonic() < deadline:   # bwrap, init, 4 pythons
            time.sleep(0.05)
        assert len(box.cgroup.procs()) >= 6, box.cgroup.procs()
        box.kill()
        assert process.wait(timeout=10) != 0
        assert box.cgroup.procs() == []
        assert box.tripped is None                # ended by the grader, not by a limit
    finally:
        box.close()
    assert gone(box)


def test_without_a_cgroup_the_watchdog_is_in_force():
    box = Sandbox(SandboxLimits(cgroup=False))
    try:
        assert box.cgroup is None
        assert box.enforcement.startswith("limits by watchdog (no cgroup: turned off)")
        if os.geteuid() == 0:
            assert any(arg.startswith("--nproc=") for arg in box.command(["true"]))
        assert run(box, "print('ran')").stdout.strip() == "ran"
    finally:
        box.close()
    assert not box.host_dir.exists()


# cgroup bookkeeping ------------------------------------------------------------------------------
def test_leftover_cgroups_of_dead_graders_are_removed_and_others_kept(monkeypatch):
    first = Cgroup.create("kernel", memory_bytes=64 * MiB, pids=8, cpus=1)
    if first is None:
        pytest.skip(f"this machine cannot give the grader a cgroup: {Cgroup.unavailable}")
    parents = {folder.parent for folder in first.folders.values()}
    first.remove()
    dead_pid = 4_194_304 + 7          # above any pid_max: no such process
    dead = [parent / f"{dead_pid}-0badcafe" for parent in parents]
    alive = [parent / f"{os.getpid()}-0badcafe" for parent in parents]
    other = [parent / "someone-elses" for parent in parents]
    for folder in dead + alive + other:
        folder.mkdir(exist_ok=True)
    monkeypatch.setattr(cgroup_module, "STALE_SECONDS", -1)   # however new
    try:
        second = Cgroup.create("kernel", memory_bytes=64 * MiB, pids=8, cpus=1)
        second.remove()
        assert [folder for folder in dead if folder.exists()] == []
        assert all(folder.exists() for folder in alive + other)
    finally:
        for folder in dead + alive + other:
            try:
                folder.rmdir()
            except OSError:
                pass


def test_sandbox_folders_go_under_parent_dir_and_are_removed(tmp_path):
    box = Sandbox(parent_dir=tmp_path)
    assert box.host_dir.parent == tmp_path
    assert (box.host_dir / "run").is_dir()
    box.close()
    assert gone(box) and list(tmp_path.iterdir()) == []


# user ids ----------------------------------------------------------------------------------------
HOLDER = ("import sys\nfrom autograder.sandbox import Sandbox\nbox = Sandbox()\n"
          "print(box.uid, box.host_dir, flush=True)\nsys.stdin.read()\nbox.close()\n")


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox user ids are only handed out to a root grader")
def test_graders_with_different_tmpdirs_never_share_a_user_id(tmp_path):
    """Six graders started at once, each with a TMPDIR and a working folder of its own."""
    holders = []
    for index in range(6):
        folder = tmp_path / f"grader{index}"
        folder.mkdir()
        holders.append(subprocess.Popen([sys.executable, "-c", HOLDER], cwd=folder, text=True,
                                        env=dict(os.environ, TMPDIR=str(folder), PYTHONPATH=str(ROOT)),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE))
    try:
        seen = [holder.stdout.readline().split() for holder in holders]
    finally:
        for holder in holders:
            holder.communicate("", timeout=30)
    uids = [int(line[0]) for line in seen]
    assert len(set(uids)) == len(uids), uids
    assert all(line[1].startswith(str(tmp_path / f"grader{i}")) for i, line in enumerate(seen))
    assert all(holder.returncode == 0 for holder in holders)


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox user ids are only handed out to a root grader")
def test_a_user_id_a_process_still_has_is_not_handed_out():
    first = Sandbox()
    uid = first.uid
    first.close()                  # its lock is free again, but a process of that uid lives on
    survivor = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                                 "sleep", "30"])
    try:
        deadline = time.monotonic() + 10
        while uid not in sandbox_module._uids_in_use(uid, uid) and time.monotonic() < deadline:
            time.sleep(0.02)
        second = Sandbox()
        try:
            assert second.uid != uid
        finally:
            second.close()
    finally:
        survivor.send_signal(signal.SIGKILL)
        survivor.wait()
    folder = sandbox_module.slot_folder()
    assert str(folder) in sandbox_module.SLOT_FOLDERS
    assert folder.stat().st_uid == 0 and folder.stat().st_mode & 0o777 == 0o700
