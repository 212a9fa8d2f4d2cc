"""A seccomp filter for sandboxed kernels: the system calls that reach the riskiest parts of the
Linux kernel are refused (EPERM), everything else is allowed.

The filter is built by libseccomp (through its Python bindings, `seccomp`, or the ctypes binding
`pyseccomp` from PyPI with the same API), exported as BPF into a file, and handed to bubblewrap as
`--seccomp 9`, fd 9 opened by a /bin/sh wrapper (`fd_argv`): jupyter_client launches the kernel with
Popen, which closes every other fd, and no code of ours runs between its fork and exec.

Refused: new namespaces (unshare, setns, clone with a CLONE_NEW* flag; clone3 answers ENOSYS so that
glibc falls back to clone, as Docker and Flatpak do), mounts and the new mount API, io_uring, the
keyrings, ptrace and other processes' memory, bpf, perf events, userfaultfd, kexec, modules, file
handles, swap, reboot, syslog, acct, quotas, the host name and the clock, vhangup, and personality
flags other than the defaults. Threads (clone without namespace flags), fork, multiprocessing,
torch and numpy are untouched.
"""
import errno
import functools
import importlib
import os
import tempfile

CLONE_NEW_FLAGS = {            # <linux/sched.h>; CLONE_NEWTIME (0x80) only exists for clone3/unshare
    "CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}

REFUSED = (
    # namespaces (clone's flags are checked below)
    "unshare", "setns",
    # mounts, old API and new
    "mount", "umount2", "pivot_root", "chroot",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    # io_uring: a large attack surface, and it bypasses this filter for the calls it performs
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    # keyrings (they outlive the process, per user id)
    "keyctl", "add_key", "request_key",
    # other processes, and the kernel's own debugging interfaces
    "ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open", "userfaultfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "open_by_handle_at", "name_to_handle_at", "lookup_dcookie",
    # the machine's administration
    "swapon", "swapoff", "reboot", "syslog", "acct", "quotactl", "quotactl_fd",
    "sethostname", "setdomainname", "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
    "vhangup",
)

# personality(2): the query (0xffffffff) and these values are allowed; a value with any of the
# flags below is refused (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE and friends weaken the kernel's
# defences for the processes that set them).
PERSONALITY_QUERY = 0xFFFFFFFF
PERSONALITY_FLAGS = (0x0020000 | 0x0040000 | 0x0080000 | 0x0100000 | 0x0200000 | 0x0400000 |
                     0x0800000 | 0x1000000 | 0x2000000 | 0x4000000 | 0x8000000)
PERSONALITY_FLAGS &= ~0x0020000          # UNAME26 (PER_LINUX | UNAME26 is Docker's default too)


def _load():
    """The libseccomp binding, and None; or None and why there is none."""
    problems = []
    for name in ("seccomp", "pyseccomp"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            problems.append(f"no module {name}")
            continue
        except (OSError, RuntimeError, AttributeError) as error:   # libseccomp missing or too old
            problems.append(f"{name}: {error}")
            continue
        if hasattr(module, "SyscallFilter") and hasattr(module, "resolve_syscall"):
            return module, None
        problems.append(f"{name} is not a libseccomp binding")
    return None, "libseccomp not found (" + "; ".join(problems)[:200] + "; pip install pyseccomp)"


@functools.cache
def binding():
    """(module, None) when a libseccomp binding loads; (None, why) otherwise (looked for once)."""
    return _load()


def problem():
    """None when filters can be built here; otherwise a short reason ("libseccomp not found ...")."""
    return binding()[1]


def build(lib=None):
    """The filter (a libseccomp SyscallFilter) and the names this libseccomp does not know."""
    lib = lib or binding()[0]
    if lib is None:
        raise OSError(errno.ENOSYS, problem())
    refuse = lib.ERRNO(errno.EPERM)
    native = lib.Arch.NATIVE
    rules = lib.SyscallFilter(lib.ALLOW)
    unknown = []

    def known(name):
        number = lib.resolve_syscall(native, name)
        if number < 0:          # not a system call of this architecture, or too new for libseccomp
            unknown.append(name)
            return False
        return True

    for name in REFUSED:
        if known(name):
            rules.add_rule(refuse, name)
    if known("clone"):
        for flag in CLONE_NEW_FLAGS.values():
            rules.add_rule(refuse, "clone", lib.Arg(0, lib.MASKED_EQ, flag, flag))
    if known("clone3"):         # its flags are behind a pointer: ENOSYS makes glibc use clone
        rules.add_rule(lib.ERRNO(errno.ENOSYS), "clone3")
    if known("personality"):
        top = 0x80000000        # the query sets every bit; no real persona sets bit 31
        for bit in range(32):
            if PERSONALITY_FLAGS >> bit & 1:    # a flag, without bit 31
                rules.add_rule(refuse, "personality", lib.Arg(0, lib.MASKED_EQ, top | 1 << bit, 1 << bit))
        for bit in range(31):                   # bit 31 with any lower bit clear: not the query
            rules.add_rule(refuse, "personality", lib.Arg(0, lib.MASKED_EQ, top | 1 << bit, top))
    return rules, unknown


@functools.cache
def _program(lib):
    """(the BPF program as bytes, the names libseccomp did not know): built once per process and
    binding (the grader builds it before it forks its workers)."""
    rules, unknown = build(lib)
    with tempfile.TemporaryFile() as handle:
        rules.export_bpf(handle)
        handle.seek(0)
        return handle.read(), tuple(unknown)


def write_filter(path):
    """Write the BPF program to `path` (mode 0600); returns the names this libseccomp did not know
    (their calls stay allowed). Raises OSError when no filter can be built here."""
    program, unknown = _program(binding()[0])     # build() refuses a missing binding
    with open(path, "wb", opener=lambda p, flags: os.open(p, flags, 0o600)) as handle:
        handle.write(program)
    return list(unknown)


def fd_argv(path, argv, fd=9):
    """`argv` run by a /bin/sh that first opens `path` on fd `fd` (for bwrap's --seccomp FD)."""
    return ["/bin/sh", "-c", f'exec {int(fd)}<"$1" || exit 125; shift; exec "$@"', "seccomp-fd",
            str(path)] + list(argv)

