"""The kernel template: a process that has paid a kernel's start-up once (Python, ipykernel, torch
with torch._dynamo, numpy, matplotlib) and forks one child per submission (a zygote, as Android's
and Chromium's fork servers do). Run by path (`python -I template_process.py SOCKET SECCOMP_PY`) and
importing nothing of the grading package: what a child inherits is only these libraries.

A request (one connection on SOCKET, a JSON line and one fd: the write end of the holder's pipe)
names a sandbox that bubblewrap has already built, held by a process in it (sandbox.py's holder):
its namespaces, cgroup, user id, limits and environment. The child, before any student code runs:
joins the cgroup; enters the holder's namespaces (ipc, uts, net, cgroup, pid, mount) and its root;
forks once more so that it is inside the PID namespace; sets the resource limits, clears the
capability bounding set, becomes the sandbox's user, sets no_new_privs, loads the seccomp filter;
then becomes the kernel. The template itself never runs student code, holds no submission's data,
and is changed by nothing a child does (fork copies, the child's fds to it are closed).
"""
import ctypes
import importlib.util
import json
import os
import random
import resource
import signal
import socket
import sys
import time

NAMESPACES = (("ipc", 0x08000000), ("uts", 0x04000000), ("net", 0x40000000),
              ("cgroup", 0x02000000), ("pid", 0x20000000), ("mnt", 0x00020000))
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 24, 4, 38
PR_SET_CHILD_SUBREAPER = 36
LIBC = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def warm_up():
    """Import what every kernel imports, and run what makes torch import torch._dynamo (the first
    optimizer step), on tensors too small to start a thread pool."""
    import IPython  # noqa: F401
    import IPython.core.completerlib, IPython.core.debugger, IPython.extensions.storemagic  # noqa: F401,E401
    import ipykernel.debugger  # noqa: F401 - debugpy: 0.2 s of every kernel's start
    import psutil  # noqa: F401 - the kernel's start looks up the machine's addresses with it
    import tornado.platform.asyncio  # noqa: F401
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import matplotlib
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import torch
    import torch._dynamo  # noqa: F401
    import torch.nn.functional  # noqa: F401

    matplotlib.use("Agg")
    parameter = torch.nn.Parameter(torch.zeros(2))
    optimizer = torch.optim.SGD([parameter], lr=0.1)
    parameter.sum().backward()
    optimizer.step()
    optimizer.zero_grad()
    torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0).step()


def _enter(request):
    """In the first child: the cgroup, then the holder's namespaces and root."""
    for procs in request["cgroup_procs"]:
        with open(procs, "w") as handle:
            handle.write("0")
    holder = request["holder_pid"]
    fds = [(os.open(f"/proc/{holder}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC), flag)
           for name, flag in NAMESPACES]
    root = os.open(f"/proc/{holder}/root", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    for fd, flag in fds:
        _check(LIBC.setns(fd, flag), "setns")
        os.close(fd)
    os.fchdir(root)
    os.chroot(".")
    os.close(root)
    os.chdir("/tmp")


def _show_command_line(argv):
    """/proc/self/cmdline as a cold kernel's (python -m ipykernel_launcher -f ...), not the
    template's, so code that looks for its connection file there finds it: the new line is
    written over the process's own argument area (as setproctitle does; the template was started
    with a padding argument to make room), the rest of the area cleared."""
    fields = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
    start, end = int(fields[45]), int(fields[46])        # arg_start, arg_end (fields 48, 49)
    raw = b"\0".join(a.encode() for a in argv) + b"\0"
    if len(raw) > end - start:
        return False
    ctypes.memmove(start, raw + b"\0" * (end - start - len(raw)), end - start)
    return True


def _confine(request, rules):
    """In the kernel's own process (inside the PID namespace): limits, user, no privileges."""
    _show_command_line([sys.executable, "-m", "ipykernel_launcher"] + request["argv"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (request["file_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))     # processes: the cgroup's pids.max
    last_cap = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last_cap + 1):
        _check(LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "drop capability")
    uid = request["uid"]
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)       # from root: every capability goes with it
    _check(LIBC.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")   # as after an exec
    _check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if request["seccomp"]:
        if rules is None:
            raise OSError("the template has no seccomp filter")
        rules.load()


def _become_kernel(request, connection, holder_pipe):
    """The rest of a fresh kernel's start: its environment, fds, randomness, then ipykernel."""
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    keep = {0, 1, 2, holder_pipe, connection.fileno()}
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    os.set_inheritable(holder_pipe, False)      # programs it runs do not keep the holder up
    os.environ.clear()
    os.environ.update(request["env"])
    sys.path.insert(0, request["env"].get("PYTHONPATH", "/opt/grader"))
    random.seed()
    import numpy
    import torch

    numpy.random.seed()
    if request.get("threads"):
        torch.set_num_threads(request["threads"])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from ipykernel import kernelapp

    sys.argv = ["ipykernel_launcher"] + request["argv"]
    app = kernelapp.IPKernelApp.instance()
    app.initialize(request["argv"])         # its sockets are bound: the grader may connect now
    connection.sendall(b"ok\n")
    connection.close()
    app.start()


def _exit_after(step, connection):
    """Run `step` in this forked process, send the grader the reason it failed, and end the
    process either way (a child never returns into the template's loop)."""
    code = 1
    try:
        step()
        code = 0
    except BaseException as error:              # noqa: BLE001 - the grader reads the reason
        try:
            connection.sendall(f"error {type(error).__name__}: {error}\n".encode())
        except OSError:
            pass
    finally:
        os._exit(code)


def _child(request, connection, holder_pipe, rules):
    """The first child: enter, fork into the PID namespace (the kernel), leave."""
    def kernel():
        _confine(request, rules)
        _become_kernel(request, connection, holder_pipe)

    def enter_and_fork():
        _enter(request)
        if os.fork() == 0:
            _exit_after(kernel, connection)

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _exit_after(enter_and_fork, connection)


def serve(path, rules):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(16)
    print("ready", flush=True)
    while True:
        connection, _ = listener.accept()
        try:
            message, fds, _, _ = socket.recv_fds(connection, 65536, 1)
            while True:                         # the grader shuts its side once all is sent
                more = connection.recv(65536)
                if not more:
                    break
                message += more
            if len(fds) != 1:
                raise ValueError("a request carries the holder's pipe")
            request = json.loads(message.decode())
        except (OSError, ValueError) as error:
            connection.sendall(f"error bad request: {error}\n".encode())
            connection.close()
            continue
        pid = os.fork()
        if pid == 0:
            listener.close()
            _child(request, connection, fds[0], rules)
        os.close(fds[0])
        connection.close()


def _reap(*_):
    """Kernels are orphaned to the template (a child subreaper); collect every one that ended."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _seccomp_rules(module_path):
    """The sandbox's seccomp filter, built by the grader's own seccomp.py (loaded by path)."""
    if not module_path:
        return None
    spec = importlib.util.spec_from_file_location("sandbox_seccomp", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build()[0]


def main():
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != int(sys.argv[3]):
        sys.exit(1)
    started = time.monotonic()
    warm_up()
    rules = _seccomp_rules(sys.argv[2])
    if len(os.listdir("/proc/self/task")) != 1:
        sys.exit("the template started a thread while warming up; it cannot fork safely")
    LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    signal.signal(signal.SIGCHLD, _reap)
    print(f"warm in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    serve(sys.argv[1], rules)


if __name__ == "__main__":
    main()
