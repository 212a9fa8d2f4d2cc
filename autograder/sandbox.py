"""Run a student's kernel in a bubblewrap sandbox, with limits, and end everything it started.

What a sandboxed kernel sees: the system and the Python environment read-only, a scratch tmpfs of
its own at /tmp (its cwd and HOME) and at /dev/shm, the probes (autograder/exercises/*/probe.py) at
/opt/grader, and the Unix sockets it talks to the grader through. Not SUBMISSIONS, OUT, the course,
solutions/, the project's source, other kernels or the host's processes; no network (its own
namespace with only a loopback); its own PID namespace, so everything it started ends with it.

Limits, enforced by the Linux kernel where it can (Sandbox.enforcement says which are in force):
  - a cgroup of its own (cgroup.py): memory (page cache, tmpfs, shm and memfd pages included),
    processes and threads (pids.max) and a hard CPU quota; the command moves itself into the cgroup
    before bubblewrap starts. Without one (not root, no controllers), a watchdog thread estimates
    instead: processes, memory (PSS) and scratch space, polled; processes also by RLIMIT_NPROC;
  - a seccomp filter (seccomp.py: namespaces, mounts, io_uring, keyrings, ptrace, bpf, ...);
  - the file size and the scratch tmpfs size (RLIMIT_FSIZE, tmpfs size);
  - a user id of its own, machine-wide (when the grader runs as root).
Sandbox.tripped names the limit that ended the sandbox.
"""
import fcntl
import functools
import importlib.util
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from . import exercises, seccomp
from .cgroup import Cgroup, size_text
from .limits import GiB, SandboxLimits  # noqa: F401  (SandboxLimits: the sandbox's own)

UID_BASE, UID_SLOTS = 61000, 1000           # one user id per concurrent kernel (root only)
# machine-wide, whatever TMPDIR, cwd or process: the uid locks of every grader on this machine
SLOT_FOLDERS = ("/run/lr-course-grader/uid-slots", "/var/lock/lr-course-grader/uid-slots")
BWRAP_TASKS = 2         # bubblewrap and its init, in the cgroup beside the kernel's own processes
SECCOMP_FD = 9


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


def _bwrap():
    return shutil.which("bwrap")


@functools.cache
def _problem():
    """Why bubblewrap cannot start a sandbox here, naming the package, or None (found out once)."""
    if not _bwrap():
        return ("bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap; "
                "Fedora: dnf install bubblewrap); install it, or grade with --no-sandbox")
    probe = subprocess.run([_bwrap(), "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net",
                            "--proc", "/proc", "--dev", "/dev", "true"],
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        return (f"bubblewrap cannot create a sandbox here ({probe.stderr.strip()[:200]}); "
                f"user namespaces may be disabled; fix that, or grade with --no-sandbox")
    return None


def check_available():
    """Raise SandboxUnavailable (naming the package) unless bubblewrap can start a sandbox here."""
    problem = _problem()
    if problem:
        raise SandboxUnavailable(problem)


def _existing(*paths):
    return [p for p in paths if os.path.exists(p)]


def _ancestors(paths):
    """The folders above `paths` (not / itself), outermost first."""
    found = set()
    for path in paths:
        parent = os.path.dirname(path.rstrip("/"))
        while parent not in ("/", ""):
            found.add(parent)
            parent = os.path.dirname(parent)
    return sorted(found, key=lambda p: (p.count("/"), p))


def _python_prefixes():
    """The interpreter's and the environment's trees, and where their symlinks lead."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))}
    return sorted(p for p in prefixes if p and os.path.isdir(p))


def _grader_package_inside(prefixes):
    """An installed (not editable) copy of this package inside a mounted prefix, to hide."""
    spec = importlib.util.find_spec("autograder")
    hidden = []
    for location in (spec.submodule_search_locations or []) if spec else []:
        real = os.path.realpath(location)
        if any(real.startswith(p.rstrip("/") + "/") for p in prefixes):
            hidden.append(real)
    return hidden


def probe_library(root):
    """Lay out what the kernel imports as `autograder`: checks.py and the exercises' probes and
    declarations (exercises.kernel_files), never a judge."""
    package = Path(root) / "autograder"
    for name in exercises.kernel_files():
        (package / "exercises" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exercises.HERE / name, package / "exercises" / name)
    (package / "__init__.py").write_text("")
    shutil.copyfile(Path(__file__).resolve().parent / "checks.py", package / "checks.py")
    return Path(root)


def _safe_folder(path):
    """`path` (and its parent) created 0700, root's, not a link; None when that cannot be had."""
    folder = Path(path)
    try:
        for level in (folder.parent, folder):
            try:
                level.mkdir(mode=0o700)
            except FileExistsError:
                pass
            info = os.lstat(level)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
                return None
        return folder
    except OSError:
        return None


def slot_folder():
    """The machine-wide folder of the uid slots' lock files (the first of SLOT_FOLDERS usable)."""
    for path in SLOT_FOLDERS:
        folder = _safe_folder(path)
        if folder is not None:
            return folder
    raise SandboxUnavailable(f"no machine-wide folder for the sandbox user ids ({', '.join(SLOT_FOLDERS)})")


def _uids_in_use(first, last):
    """The user ids in [first, last] that a process on this machine has (real, effective, saved)."""
    used = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as handle:
                for line in handle:
                    if line.startswith("Uid:"):
                        used.update(u for u in map(int, line.split()[1:4]) if first <= u <= last)
                        break
        except (OSError, ValueError):
            pass
    return used


class UserSlot:
    """A user id no other kernel on this machine is using: a lock file in a machine-wide folder
    (SLOT_FOLDERS, independent of TMPDIR, the working folder and the process) is held while the
    kernel lives, and a uid some process still has is never handed out."""

    def __init__(self):
        self.uid, self._handle = None, None
        if os.geteuid() != 0:
            return
        folder = slot_folder()
        busy = _uids_in_use(UID_BASE, UID_BASE + UID_SLOTS - 1)
        for index in range(UID_SLOTS):
            if UID_BASE + index in busy:
                continue
            fd = os.open(folder / f"{index}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            if UID_BASE + index in _uids_in_use(UID_BASE + index, UID_BASE + index):
                os.close(fd)      # a kernel of a grader that died a moment ago, still ending
                continue
            self.uid, self._handle = UID_BASE + index, fd
            return
        raise SandboxUnavailable("no free sandbox user id")

    def release(self):
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None


class Sandbox:
    """One kernel's sandbox: its folders on the host, its user id, its cgroup, its seccomp filter,
    its command, and the watchdog that names (or, without a cgroup, enforces) its limits."""

    def __init__(self, limits=None, threads=0, enabled=True, parent_dir=None, template=None):
        """`parent_dir`: where its host folder goes (default: tempfile.gettempdir()), so that a
        supervisor can remove the folders of a worker it killed. `template`: the socket of a warm
        kernel template (template.py), used when this sandbox can take a forked kernel."""
        self.limits = limits or SandboxLimits()
        self.threads = threads
        self.enabled = enabled
        self._tripped = None                         # the limit that ended the sandbox, if any
        self._watch = None
        self._root = None                            # the pid watch() was given (bubblewrap)
        self.cgroup, self.slot, self.seccomp_file = None, None, None
        self.cpu_seconds = 0.0          # what the kernel used, read as the cgroup goes (make bench)
        self.host_dir = Path(tempfile.mkdtemp(prefix="autograder-kernel-", dir=parent_dir))
        try:
            self.runtime = self.host_dir / "run"          # connection file and ipc sockets
            self.library = probe_library(self.host_dir / "lib")
            self.scratch = self.host_dir / "scratch"      # only without the sandbox: cwd and HOME
            self.runtime.mkdir()
            self.scratch.mkdir()
            self.slot = UserSlot() if enabled else None
            self.uid = self.slot.uid if self.slot else None
            if self.uid is not None:
                os.chmod(self.host_dir, 0o711)
                self.unlock_runtime()
            self.no_cgroup = self.no_seccomp = None       # why not, when not
            if enabled and self.limits.cgroup:
                self.cgroup = Cgroup.create("kernel", memory_bytes=self.limits.memory_bytes,
                                            pids=self.limits.processes + BWRAP_TASKS, cpus=self.cpus)
                self.no_cgroup = Cgroup.unavailable if self.cgroup is None else None
            elif enabled:
                self.no_cgroup = "turned off"
            self.seccomp_unknown = []
            if enabled and self.limits.seccomp:
                try:
                    self.seccomp_unknown = seccomp.write_filter(self.host_dir / "seccomp.bpf")
                    self.seccomp_file = self.host_dir / "seccomp.bpf"
                except (OSError, AttributeError, TypeError, ValueError) as error:
                    self.no_seccomp = seccomp.problem() or f"the filter could not be built: {error}"
            elif enabled:
                self.no_seccomp = "turned off"
            # a forked kernel needs a user id and a cgroup of its own (template.py says why)
            self.template = (template if template and self.uid is not None and self.cgroup is not None
                             else None)
        except BaseException:
            self.close()
            raise

    @property
    def cpus(self):
        """The CPU quota in cores: the kernel's threads, at least one."""
        return max(1, self.threads or 1)

    @property
    def enforcement(self):
        """Which mechanism enforces what, in a line for a note."""
        if not self.enabled:
            return "no sandbox: no limits, no isolation (--no-sandbox)"
        limits = self.limits
        if self.cgroup is not None:
            cpus = f"{self.cpus} CPU" + ("" if self.cpus == 1 else "s")
            text = (f"limits by cgroup v{self.cgroup.version} (memory {size_text(limits.memory_bytes)} "
                    f"incl. page cache/tmpfs/shm/memfd, {limits.processes} processes, {cpus})")
        else:
            text = f"limits by watchdog (no cgroup: {self.no_cgroup})"
        text += "; seccomp on" if self.seccomp_file else f"; seccomp off ({self.no_seccomp})"
        text += "; namespaces pid/net/ipc/uts/mount"
        if self.template:
            text += "; warm kernel (forked from the template)"
        if self.uid is None:
            text += "; no user id of its own (not root)"
        return text

    @property
    def tripped(self):
        """The limit that ended the sandbox (a sentence), or None. With a cgroup this reads the
        kernel's counters (and ends the sandbox when one shows a limit was hit), so it is right
        even before the watchdog has looked."""
        if self._tripped is None and self.cgroup is not None and not self.cgroup.removed:
            problem = self._cgroup_problem()
            if problem:
                self._tripped = problem
                self.cgroup.kill()
        return self._tripped

    @tripped.setter
    def tripped(self, value):
        self._tripped = value

    def _cgroup_problem(self):
        if self.cgroup.oom_killed():
            return (f"memory limit: the kernel's processes used more than "
                    f"{size_text(self.limits.memory_bytes)} (page cache, shared memory and scratch "
                    f"files included)")
        if self.cgroup.pids_refused():
            return f"process limit: more than {self.limits.processes} processes (threads included)"
        return None

    # the kernel's view ---------------------------------------------------------------------
    def environment(self):
        """The kernel's whole environment: nothing of the grader's leaks in."""
        scratch = "/tmp" if self.enabled else str(self.scratch)
        env = {"PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
               "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
               "MPLCONFIGDIR": f"{scratch}/.matplotlib", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": "/opt/grader" if self.enabled else str(self.library),
               "NBGRADER_EXECUTION": "autograde"}
        if self.threads:
            env.update(OMP_NUM_THREADS=str(self.threads), MKL_NUM_THREADS=str(self.threads))
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "CUDA_VISIBLE_DEVICES"):
            if name in os.environ:      # numerics and device choice, as the host has them
                env[name] = os.environ[name]
        return env

    def command(self, kernel_argv):
        """`kernel_argv` wrapped in bubblewrap, the limits and the drop to the sandbox's user."""
        if not self.enabled:
            return kernel_argv
        prefixes = _python_prefixes()
        argv = [_bwrap(), "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--hostname", "sandbox"]
        if self.seccomp_file:
            argv += ["--seccomp", str(SECCOMP_FD)]
        argv += ["--proc", "/proc", "--dev", "/dev",
                 # POSIX shared memory and multiprocessing's semaphores: writable, limited
                 "--perms", "1777", "--size", str(self.limits.file_bytes), "--tmpfs", "/dev/shm",
                # /tmp first: a venv or runtime folder under /tmp is then mounted over it, not hidden
                "--perms", "1777", "--size", str(self.limits.file_bytes), "--tmpfs", "/tmp"]
        system = _existing("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32",
                           "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf",
                           "/etc/ld.so.conf.d", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
                           "/etc/localtime", "/etc/hosts", "/etc/fonts")
        for folder in _ancestors(system + prefixes + ["/opt/grader", str(self.runtime)]):
            if folder != "/tmp":
                argv += ["--perms", "0755", "--dir", folder]     # bubblewrap would make them 0700
        for path in system + prefixes:
            argv += ["--ro-bind", path, path]
        for hidden in _grader_package_inside(prefixes):
            argv += ["--tmpfs", hidden]
        argv += self._gpu()
        argv += ["--bind", str(self.runtime), str(self.runtime),
                 "--ro-bind", str(self.library), "/opt/grader", "--chdir", "/tmp", "--clearenv"]
        for name, value in self.environment().items():
            argv += ["--setenv", name, value]
        argv += ["--", shutil.which("prlimit") or "/usr/bin/prlimit",
                 f"--fsize={self.limits.file_bytes}", "--core=0"]
        if self.uid is not None and self.cgroup is None:     # the pids cgroup, or this fallback
            argv += [f"--nproc={2 * self.limits.processes}"]
        if self.uid is not None:
            argv += ["--",
                     shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={self.uid}",
                     f"--regid={self.uid}", "--clear-groups", "--inh-caps=-all",
                     "--bounding-set=-all", "--no-new-privs"]
        argv += ["--"] + list(kernel_argv)
        if self.seccomp_file:
            argv = seccomp.fd_argv(self.seccomp_file, argv, SECCOMP_FD)
        if self.cgroup is not None:
            argv = self.cgroup.join_argv(argv)
        return argv

    # warm kernels -----------------------------------------------------------------------------
    HOLDER = ["/bin/sh", "-c", "echo ready && exec cat >/dev/null"]

    def holder_command(self):
        """The sandbox with nothing but a holder in it: it says "ready" once bubblewrap has built
        everything, and ends (taking the sandbox with it) when the kernel's end of its stdin pipe
        closes, as a kernel started cold ends its sandbox when it exits."""
        return self.command(self.HOLDER)

    def kernel_request(self, kernel_args):
        """What the template needs to make the kernel of this sandbox (template_process.py)."""
        return {"cgroup_procs": self.cgroup.procs_files(), "uid": self.uid,
                "file_bytes": self.limits.file_bytes, "env": self.environment(),
                "argv": list(kernel_args), "threads": self.threads,
                "seccomp": self.seccomp_file is not None}

    @staticmethod
    def _gpu():
        """Pass the NVIDIA devices through, so the hidden checks still run on CUDA."""
        devices = sorted(str(p) for p in Path("/dev").glob("nvidia*"))
        if not devices:
            return []
        argv = []
        for device in devices:
            argv += ["--dev-bind", device, device]
        for path in _existing("/sys", "/usr/local/nvidia", "/usr/local/cuda", "/run/nvidia-persistenced"):
            argv += ["--ro-bind", path, path]
        return argv

    def prepare_connection_file(self, path):
        """The kernel reads its connection file as the sandbox's user."""
        if self.uid is not None:
            os.chown(path, self.uid, self.uid)

    def lock_runtime(self):
        """Once the kernel has bound its sockets it may create no more files beside them."""
        if self.uid is not None:
            os.chown(self.runtime, 0, 0)
            os.chmod(self.runtime, 0o711)

    def unlock_runtime(self):
        """The kernel's user owns the folder while the kernel starts and binds its sockets."""
        if self.uid is not None:
            os.chown(self.runtime, self.uid, self.uid)
            os.chmod(self.runtime, 0o700)

    # the watchdog ----------------------------------------------------------------------------
    def watch(self, pid):
        """Watch the sandbox started as `pid` (the bubblewrap process): with a cgroup, name the
        limit the kernel enforced and end the rest at once (v1 has no memory.oom.group; a refused
        fork ends the sandbox too, as a fork bomb should); without one, enforce the limits."""
        self.stop_watching()
        self._root = pid
        stop = threading.Event()
        target = self._cgroup_watchdog if self.cgroup is not None else self._watchdog
        thread = threading.Thread(target=target, args=(pid, stop), daemon=True)
        self._watch = (thread, stop)
        thread.start()

    def stop_watching(self):
        if self._watch:
            thread, stop = self._watch
            stop.set()
            if thread is not threading.current_thread():
                thread.join(timeout=5)
            self._watch = None

    def _cgroup_watchdog(self, pid, stop):
        import psutil

        try:
            root = psutil.Process(pid)
        except psutil.NoSuchProcess:
            root = None
        while not stop.wait(self.limits.poll_seconds):
            if self.cgroup.removed or self.tripped:      # reading tripped kills on a limit
                return
            if (root is None or not root.is_running()) and not self.cgroup.procs():
                self.tripped                             # one last look at the counters
                return

    def _watchdog(self, pid, stop):
        import psutil

        try:
            root = psutil.Process(pid)
        except psutil.NoSuchProcess:
            return
        while not stop.wait(self.limits.poll_seconds):
            try:
                tree = root.children(recursive=True)
            except psutil.NoSuchProcess:
                return
            problem = self._over_limit(tree)
            if problem:
                self.tripped = problem
                self._kill([root] + tree)
                return

    def _over_limit(self, tree):
        limits = self.limits
        if len(tree) > limits.processes + BWRAP_TASKS:    # + bubblewrap's init and prlimit/setpriv exec
            return f"process limit: more than {limits.processes} processes"
        memory = sum(_pss(p.pid) for p in tree)
        if memory > limits.memory_bytes:
            return f"memory limit: {memory / GiB:.1f} GiB in use, {limits.memory_bytes / GiB:g} GiB allowed"
        if self.enabled and tree:
            for folder in ("tmp", "dev/shm"):           # tmpfs pages are in no process's PSS
                try:
                    usage = os.statvfs(f"/proc/{tree[0].pid}/root/{folder}")
                except OSError:
                    return None
                used = (usage.f_blocks - usage.f_bfree) * usage.f_frsize
                if used >= limits.file_bytes - (1 << 20):
                    return f"scratch space limit: {limits.file_bytes / GiB:g} GiB of files written in /{folder}"
        return None

    @staticmethod
    def _kill(processes):
        for process in processes:
            try:
                process.send_signal(signal.SIGKILL)
            except Exception:
                pass

    def kill(self):
        """End everything in the sandbox now: the cgroup's processes, or (without a cgroup) the
        process tree under the pid given to watch()."""
        if self.cgroup is not None:
            self.cgroup.kill()
            return
        if self._root is None:
            return
        import psutil

        try:
            root = psutil.Process(self._root)
            self._kill([root] + root.children(recursive=True))
        except psutil.NoSuchProcess:
            pass

    def close(self):
        """End what is left, remove the cgroup and the folders, give the user id back."""
        self.stop_watching()
        if self.cgroup is not None:
            self.tripped                     # name a limit hit at the very end, before it is gone
            self.cpu_seconds = self.cgroup.cpu_seconds() or 0.0      # for make bench
            self.cgroup.remove()
        else:
            self.kill()
        if self.slot:                        # only once no process has the uid any more
            self.slot.release()
        shutil.rmtree(self.host_dir, ignore_errors=True)


def _pss(pid):
    """Proportional set size in bytes (shared pages split between sharers; 0 if unreadable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class SandboxedKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, launching the kernel inside a Sandbox, over ipc sockets.

    (The ipc transport also ends the TCP port race between kernels started at the same moment.
    A timeout's SIGINT to the process group ends the whole sandbox; the run restarts anyway.)
    """

    def __init__(self, sandbox, **kwargs):
        super().__init__(transport="ipc", ip=str(sandbox.runtime / "kernel"),
                         connection_file=str(sandbox.runtime / "kernel.json"), **kwargs)
        self.sandbox = sandbox

    def write_connection_file(self, **kwargs):
        self.sandbox.unlock_runtime()
        super().write_connection_file(**kwargs)
        self.sandbox.prepare_connection_file(self.connection_file)

    def format_kernel_cmd(self, extra_arguments=None):
        argv = super().format_kernel_cmd(extra_arguments)
        self._kernel_args = argv[3:] if argv[1:3] == ["-m", "ipykernel_launcher"] else None
        if self._forks_kernel:
            return self.sandbox.holder_command()
        return self.sandbox.command(argv)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = self.sandbox.environment()
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL   # what it writes to its fds is not ours
        kw["cwd"] = str(self.sandbox.scratch)    # bubblewrap's own; the kernel's is /tmp inside
        if not self._forks_kernel:
            await super()._async_launch_kernel(kernel_cmd, **kw)
            self._watch()
            return
        holder_in, kernel_end = os.pipe()
        try:
            kw["stdin"], kw["stdout"] = holder_in, subprocess.PIPE
            await super()._async_launch_kernel(kernel_cmd, **kw)
            os.close(holder_in)
            holder_in = None
            self._watch()
            self._fork_kernel(kernel_end)
        finally:
            for fd in (holder_in, kernel_end):
                if fd is not None:
                    os.close(fd)

    @property
    def _forks_kernel(self):
        """Whether this kernel is forked from the template (else started cold)."""
        return bool(self.sandbox.template) and self._kernel_args is not None

    def _watch(self):
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            self.sandbox.watch(process.pid)

    def _fork_kernel(self, kernel_end):
        """Wait for the holder's "ready", then have the template fork this sandbox's kernel."""
        from .template import read_line, request_kernel

        process = self.provisioner.process
        timeout = 60.0
        if read_line(process.stdout, timeout) != "ready":
            raise RuntimeError(f"the sandbox did not start ({self.sandbox.tripped or 'no holder'})")
        holder = _holder_pid(process.pid)
        if holder is None:
            raise RuntimeError("the sandbox's holder vanished")
        request_kernel(self.sandbox.template, holder, kernel_end,
                       self.sandbox.kernel_request(self._kernel_args), timeout)


def _holder_pid(pid):
    """The holder: the one process without children below bubblewrap `pid` once it said ready."""
    import psutil

    try:
        leaves = [p for p in psutil.Process(pid).children(recursive=True) if not p.children()]
    except psutil.NoSuchProcess:
        return None
    return leaves[0].pid if len(leaves) == 1 else None
