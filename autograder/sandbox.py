"""Run a student's kernel in a bubblewrap sandbox, with limits, and end everything it started.

What a sandboxed kernel sees: the system and the Python environment read-only, a scratch tmpfs of
its own at /tmp (its cwd and HOME), the probes (autograder/probes/) at /opt/grader, and the Unix
sockets it talks to the grader through. Not SUBMISSIONS, OUT, the course, solutions/, the
project's source, other kernels or the host's processes; no network (its own namespace with
only a loopback); its own PID namespace, so everything it started ends with it.

Limits: the file size and the scratch tmpfs are enforced by the kernel (RLIMIT_FSIZE, tmpfs
size), processes by RLIMIT_NPROC on a user id of its own (when the grader runs as root), and a
watchdog thread ends the sandbox when its processes, memory (PSS) or scratch space pass their
limit, and says which limit it was.
"""
import fcntl
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

PROBES = Path(__file__).resolve().parent / "probes"
UID_BASE, UID_SLOTS = 61000, 1000           # one user id per concurrent kernel (root only)
GiB = 1 << 30


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


@dataclass
class SandboxLimits:
    memory_bytes: int = 4 * GiB         # PSS of all its processes
    processes: int = 256                # processes at once (threads count towards RLIMIT_NPROC)
    file_bytes: int = 1 * GiB           # one file; also the scratch tmpfs size
    poll_seconds: float = 0.1


def _bwrap():
    return shutil.which("bwrap")


_CHECKED = {}


def check_available():
    """Raise SandboxUnavailable (naming the package) unless bubblewrap can start a sandbox here."""
    if "result" not in _CHECKED:
        problem = None
        if not _bwrap():
            problem = ("bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap; "
                       "Fedora: dnf install bubblewrap); install it, or grade with --no-sandbox")
        else:
            probe = subprocess.run([_bwrap(), "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net",
                                    "--proc", "/proc", "--dev", "/dev", "true"],
                                   capture_output=True, text=True, timeout=60)
            if probe.returncode != 0:
                problem = (f"bubblewrap cannot create a sandbox here ({probe.stderr.strip()[:200]}); "
                           f"user namespaces may be disabled; fix that, or grade with --no-sandbox")
        _CHECKED["result"] = problem
    if _CHECKED["result"]:
        raise SandboxUnavailable(_CHECKED["result"])


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
    """Lay out what the kernel imports as `autograder`: the probes, and the kernel's checks shim."""
    package = Path(root) / "autograder"
    shutil.copytree(PROBES, package / "probes", ignore=shutil.ignore_patterns("__pycache__"))
    (package / "__init__.py").write_text("")
    shutil.copyfile(PROBES / "kernel.py", package / "checks.py")
    return Path(root)


class UserSlot:
    """A user id no other kernel on this machine is using (held by a lock file while in use)."""

    def __init__(self):
        self.uid, self._handle = None, None
        if os.geteuid() != 0:
            return
        folder = Path(tempfile.gettempdir()) / "autograder-sandbox-slots"
        folder.mkdir(mode=0o700, exist_ok=True)
        for index in range(UID_SLOTS):
            handle = open(folder / f"{index}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self.uid, self._handle = UID_BASE + index, handle
            return
        raise SandboxUnavailable("no free sandbox user id")

    def release(self):
        if self._handle:
            self._handle.close()
            self._handle = None


class Sandbox:
    """One kernel's sandbox: its folders on the host, its user id, its command, its watchdog."""

    def __init__(self, limits=None, threads=0, enabled=True):
        self.limits = limits or SandboxLimits()
        self.threads = threads
        self.enabled = enabled
        self.host_dir = Path(tempfile.mkdtemp(prefix="autograder-kernel-"))
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
        self.tripped = None                          # the limit the watchdog enforced, if any
        self._watch = None

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
                "--unshare-cgroup-try", "--die-with-parent", "--hostname", "sandbox",
                "--proc", "/proc", "--dev", "/dev",
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
        if self.uid is not None:
            argv += [f"--nproc={2 * self.limits.processes}", "--",
                     shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={self.uid}",
                     f"--regid={self.uid}", "--clear-groups", "--inh-caps=-all",
                     "--bounding-set=-all", "--no-new-privs"]
        return argv + ["--"] + list(kernel_argv)

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
        """Start enforcing the limits on the process tree under `pid` (the bubblewrap process)."""
        self.stop_watching()
        stop = threading.Event()
        thread = threading.Thread(target=self._watchdog, args=(pid, stop), daemon=True)
        self._watch = (thread, stop)
        thread.start()

    def stop_watching(self):
        if self._watch:
            thread, stop = self._watch
            stop.set()
            thread.join(timeout=5)
            self._watch = None

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
        if len(tree) > limits.processes + 2:        # + bubblewrap's init and prlimit/setpriv exec
            return f"process limit: more than {limits.processes} processes"
        memory = sum(_pss(p.pid) for p in tree)
        if memory > limits.memory_bytes:
            return f"memory limit: {memory / GiB:.1f} GiB in use, {limits.memory_bytes / GiB:g} GiB allowed"
        if self.enabled and tree:
            try:
                usage = os.statvfs(f"/proc/{tree[0].pid}/root/tmp")
            except OSError:
                return None
            used = (usage.f_blocks - usage.f_bfree) * usage.f_frsize
            if used >= limits.file_bytes - (1 << 20):
                return f"scratch space limit: {limits.file_bytes / GiB:g} GiB of files written"
        return None

    @staticmethod
    def _kill(processes):
        for process in processes:
            try:
                process.send_signal(signal.SIGKILL)
            except Exception:
                pass

    def close(self):
        self.stop_watching()
        if self.slot:
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
        return self.sandbox.command(super().format_kernel_cmd(extra_arguments))

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = self.sandbox.environment()
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL   # what it writes to its fds is not ours
        kw["cwd"] = str(self.sandbox.scratch)    # bubblewrap's own; the kernel's is /tmp inside
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            self.sandbox.watch(process.pid)


def wait_for_exit(pids, timeout=5.0):
    """Wait until none of `pids` is alive (the sandbox's processes end with its init)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(os.path.exists(f"/proc/{pid}") for pid in pids):
            return True
        time.sleep(0.05)
    return False
