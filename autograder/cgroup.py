"""A control group for one sandbox's processes: memory, process and CPU limits the Linux kernel
enforces, whatever the processes do.

cgroup v2 (a cgroup2 hierarchy with the memory, pids and cpu controllers) or v1 (the memory, pids
and cpu controllers mounted as separate hierarchies, cpuacct too when present). The grader needs to
be able to create cgroups: root, or a delegated writable subtree. All our cgroups live under one
folder named PARENT, in the cgroup the grader itself is in (or the hierarchy's root when that one
cannot have children with controllers), each named `<pid>-<random>` after the grader that made it.

  memory   memory.max / memory.limit_in_bytes (swap 0 where it can be set): the pages the
           processes touch, page cache, tmpfs, shm and memfd pages included; the kernel's OOM
           killer acts inside the cgroup, v2's memory.oom.group kills them all at once
  pids     pids.max: fork and clone fail with EAGAIN past it (threads count)
  cpu      a hard quota of `cpus` cores (cpu.max, cpu.cfs_quota_us)

jupyter_client launches kernels with Popen and runs no code of ours between fork and exec, so the
kernel's command moves itself into the cgroup first: `join_argv` wraps it in a /bin/sh that writes
its own pid into cgroup.procs, then execs it.
"""
import os
import secrets
import signal
import time
from pathlib import Path

import psutil

from .limits import DEFAULTS

PARENT = "lr-course-grader"
CONTROLLERS = ("memory", "pids", "cpu")
PERIOD_US = 100_000
STALE_SECONDS = 60          # an empty child of a dead grader, at least this old, is removed
GiB, MiB = 1 << 30, 1 << 20


def size_text(size):
    if size >= GiB:
        return f"{size / GiB:g} GiB"
    return f"{size / MiB:g} MiB"


def _read(path, default=None):
    try:
        return Path(path).read_text()
    except OSError:
        return default


def _write(path, value):
    with open(path, "w") as handle:
        handle.write(str(value))


def _keyed(path):
    """A flat-keyed cgroup file ("key value" lines) as a dict of ints; {} when unreadable."""
    found = {}
    for line in (_read(path) or "").splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                found[parts[0]] = int(parts[1])
            except ValueError:
                pass
    return found


def _mounts():
    """[(mount point, root inside the hierarchy, filesystem type, super options)] of cgroup mounts."""
    found = []
    for line in (_read("/proc/self/mountinfo") or "").splitlines():
        fields = line.split()
        try:
            dash = fields.index("-")
        except ValueError:
            continue
        fstype = fields[dash + 1]
        if fstype in ("cgroup", "cgroup2"):
            point = fields[4].replace("\\040", " ")
            found.append((point, fields[3], fstype, set(fields[dash + 3].split(","))))
    return found


def _own_paths():
    """{controller or "" (v2): this process's cgroup path}, from /proc/self/cgroup."""
    found = {}
    for line in (_read("/proc/self/cgroup") or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in (parts[1].split(",") if parts[1] else [""]):
                found[controller] = parts[2]
    return found


def _inside(point, root, path):
    """The folder of cgroup `path` in a hierarchy mounted at `point` (showing cgroup `root`).

    A process already in one of our cgroups (a grading worker) makes its kernels' cgroups beside
    its own, under the same PARENT, never inside it: nested, the worker's limits would cap the
    kernel's, and the worker's cgroup could not be removed while the kernel's parent is in it."""
    root = root.rstrip("/")
    if path is None or not (path == root or path.startswith(root + "/")) or "(deleted)" in path:
        return None
    marker = f"/{PARENT}/"
    if marker in path:
        path = path[:path.index(marker)]
    return Path(point + path[len(root):])


def _remove_stale(parent):
    """Remove empty children of `parent` left by a grader that no longer runs (killed earlier)."""
    try:
        children = list(parent.iterdir())
    except OSError:
        return
    now = time.time()
    for child in children:
        head, dash, token = child.name.partition("-")
        if not (child.is_dir() and dash and head.isdigit() and token.isalnum()):
            continue                      # not one of ours
        try:
            if psutil.pid_exists(int(head)) or now - child.stat().st_mtime < STALE_SECONDS:
                continue
            procs = _read(child / "cgroup.procs")
            if procs is None or procs.strip():
                continue                  # in use (or unreadable)
            child.rmdir()                 # the kernel refuses when it still has processes
        except OSError:
            pass


def _unique_child(parent, name):
    """mkdir parent/name, or parent/<pid>-<another random> when that name is taken."""
    for attempt in range(20):
        child = parent / (name if attempt == 0 else f"{os.getpid()}-{secrets.token_hex(4)}")
        try:
            child.mkdir()
            return child
        except FileExistsError:
            continue
    raise OSError("no unique cgroup name")


class Cgroup:
    """One sandbox's cgroup. Make one with Cgroup.create(...); None where none can be made (then
    Cgroup.unavailable says why)."""

    unavailable = None          # why the last create() returned None

    def __init__(self, version, folders, memory_bytes, pids, cpus):
        self.version = version
        self.folders = folders    # {controller: folder}; v2: {"": folder}
        self.memory_bytes, self.pids, self.cpus = memory_bytes, pids, cpus
        self.removed = False
        self._refused_at_kill = None

    # creation ---------------------------------------------------------------------------------
    @classmethod
    def create(cls, name="kernel", memory_bytes=int(DEFAULTS.memory_gib * GiB), pids=DEFAULTS.processes,
               cpus=1):
        """A new cgroup with these hard limits, or None (and Cgroup.unavailable set) when this
        machine or this user cannot have one."""
        mounts = _mounts()
        problems = []
        unique = f"{os.getpid()}-{secrets.token_hex(4)}"     # the same name in every hierarchy
        for attempt in (cls._create_v2, cls._create_v1):
            try:
                made = attempt(mounts, unique, memory_bytes, pids, cpus)
            except OSError as error:
                problems.append(f"{error.strerror or error} ({getattr(error, 'filename', '') or ''})".strip())
                continue
            if isinstance(made, str):
                problems.append(made)
                continue
            made.name = name
            cls.unavailable = None
            return made
        reason = "; ".join(p for p in problems if p) or "no cgroup hierarchy"
        if os.geteuid() != 0:
            reason = f"not root and no delegated cgroup ({reason})"
        cls.unavailable = reason[:300]
        return None

    @classmethod
    def _create_v2(cls, mounts, unique, memory_bytes, pids, cpus):
        unified = [m for m in mounts if m[2] == "cgroup2"]
        if not unified:
            return "no cgroup2 hierarchy"
        point, root, _, _ = unified[0]
        available = set((_read(Path(point) / "cgroup.controllers") or "").split())
        if not set(CONTROLLERS) <= available:
            return "cgroup v2 without the memory, pids and cpu controllers"
        own = _inside(point, root, _own_paths().get(""))
        enable = " ".join("+" + c for c in CONTROLLERS)
        last = "cgroup v2: cannot enable the memory, pids and cpu controllers"
        for base in dict.fromkeys(b for b in (own, Path(point)) if b is not None):
            parent = base / PARENT
            try:
                if not set(CONTROLLERS) <= set((_read(base / "cgroup.subtree_control") or "").split()):
                    _write(base / "cgroup.subtree_control", enable)   # EBUSY: processes in base
                parent.mkdir(exist_ok=True)
                if not set(CONTROLLERS) <= set((_read(parent / "cgroup.subtree_control") or "").split()):
                    _write(parent / "cgroup.subtree_control", enable)
            except OSError as error:
                last = f"cgroup v2: {error.strerror} ({base})"
                continue
            _remove_stale(parent)
            child = _unique_child(parent, unique)
            made = cls(2, {"": child}, memory_bytes, pids, cpus)
            try:
                _write(child / "memory.max", memory_bytes)
                for optional, value in (("memory.swap.max", 0), ("memory.oom.group", 1)):
                    if (child / optional).exists():
                        try:
                            _write(child / optional, value)
                        except OSError:
                            pass
                _write(child / "pids.max", pids)
                _write(child / "cpu.max", f"{int(cpus * PERIOD_US)} {PERIOD_US}")
            except OSError:
                made.remove()
                raise
            return made
        return last

    @classmethod
    def _create_v1(cls, mounts, unique, memory_bytes, pids, cpus):
        own = _own_paths()
        bases = {}
        for controller in CONTROLLERS + ("cpuacct",):
            for point, root, fstype, options in mounts:
                if fstype == "cgroup" and controller in options:
                    bases[controller] = (point, root)
                    break
        missing = [c for c in CONTROLLERS if c not in bases]
        if missing:
            return f"cgroup v1 without the {', '.join(missing)} controller"
        folders, made = {}, cls(1, {}, memory_bytes, pids, cpus)
        by_point = {}
        try:
            for controller, (point, root) in bases.items():
                if point in by_point:              # co-mounted (cpu,cpuacct): one folder
                    folders[controller] = by_point[point]
                    continue
                mine = _inside(point, root, own.get(controller))
                child, error = None, None
                for base in dict.fromkeys(b for b in (mine, Path(point)) if b is not None):
                    try:
                        parent = base / PARENT
                        parent.mkdir(exist_ok=True)
                        _remove_stale(parent)
                        child = _unique_child(parent, unique)
                        break
                    except OSError as problem:
                        error = problem
                if child is None:
                    if controller == "cpuacct":    # only for cpu_seconds(): optional
                        continue
                    raise error or OSError(f"cgroup v1: no writable {controller} hierarchy")
                folders[controller] = by_point[point] = child
                made.folders = folders
            memory = folders["memory"]
            _write(memory / "memory.limit_in_bytes", memory_bytes)
            if (memory / "memory.memsw.limit_in_bytes").exists():
                try:
                    _write(memory / "memory.memsw.limit_in_bytes", memory_bytes)
                except OSError:
                    pass
            _write(folders["pids"] / "pids.max", pids)
            _write(folders["cpu"] / "cpu.cfs_period_us", PERIOD_US)
            _write(folders["cpu"] / "cpu.cfs_quota_us", int(cpus * PERIOD_US))
        except OSError:
            made.remove()
            raise
        return made

    # joining ----------------------------------------------------------------------------------
    def procs_files(self):
        return [str(folder / "cgroup.procs") for folder in dict.fromkeys(self.folders.values())]

    def join_argv(self, argv):
        """`argv` run by a /bin/sh that first moves itself into this cgroup (exit 125 if it cannot)."""
        script = ('while [ "$1" != "--" ]; do echo 0 > "$1" || exit 125; shift; done; '
                  'shift; exec "$@"')
        return ["/bin/sh", "-c", script, "cgroup-join"] + self.procs_files() + ["--"] + list(argv)

    def add(self, pid):
        """Move process `pid` (not its existing children) into this cgroup."""
        for procs in self.procs_files():
            _write(procs, pid)

    def procs(self):
        """The pids in this cgroup (every hierarchy's, for v1)."""
        found = set()
        for procs in self.procs_files():
            for line in (_read(procs) or "").split():
                if line.isdigit():
                    found.add(int(line))
        return sorted(found)

    # ending -----------------------------------------------------------------------------------
    def kill(self, timeout=5.0):
        """SIGKILL every process in the cgroup; True once it is empty."""
        if self.removed:
            return True
        if self._refused_at_kill is None:     # forks refused from here on are our doing
            self._refused_at_kill = self.pids_refused()
        pids_folder = self.folders.get("pids", self.folders.get(""))
        try:
            _write(pids_folder / "pids.max", 0)       # no more forks while we kill
        except (OSError, TypeError):
            pass
        kill_file = self.folders.get("", Path("/nonexistent")) / "cgroup.kill"
        if self.version == 2 and kill_file.exists():
            try:
                _write(kill_file, 1)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while True:
            alive = self.procs()
            if not alive:
                return True
            for pid in alive:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def remove(self):
        """Kill what is left, then remove the cgroup; never raises."""
        try:
            self.kill()
        except Exception:
            pass
        for folder in dict.fromkeys(self.folders.values()):
            for _ in range(50):       # a killed process leaves its cgroup a moment after it dies
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        self.removed = True

    # what happened ----------------------------------------------------------------------------
    def _file(self, controller, name):
        folder = self.folders.get("" if self.version == 2 else controller)
        return None if folder is None else folder / name

    def oom_killed(self):
        """How many processes the kernel's OOM killer ended in this cgroup (0 when none)."""
        if self.version == 2:
            return _keyed(self._file("memory", "memory.events")).get("oom_kill", 0)
        return _keyed(self._file("memory", "memory.oom_control")).get("oom_kill", 0)

    def pids_refused(self):
        """How many forks or clones the process limit refused (before kill() set it to 0)."""
        if self._refused_at_kill is not None:
            return self._refused_at_kill
        return _keyed(self._file("pids", "pids.events")).get("max", 0)

    def memory_peak(self):
        """The most memory the cgroup has held (None where the kernel does not say)."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        text = _read(self._file("memory", name))
        return int(text) if text and text.strip().isdigit() else None

    def memory_stat(self):
        return _keyed(self._file("memory", "memory.stat"))

    def cpu_seconds(self):
        """CPU time used by the cgroup's processes so far (None where there is no accounting)."""
        if self.version == 2:
            usage = _keyed(self._file("cpu", "cpu.stat")).get("usage_usec")
            return None if usage is None else usage / 1e6
        text = _read(self._file("cpuacct", "cpuacct.usage"))
        return int(text) / 1e9 if text and text.strip().isdigit() else None

    def cpu_throttled(self):
        """How many quota periods the CPU quota held the cgroup's processes back."""
        return _keyed(self._file("cpu", "cpu.stat")).get("nr_throttled", 0)
