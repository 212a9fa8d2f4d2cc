"""Every limit a kernel and its grading run under, each declared once: its default and its help.

The command line's limit flags are made from these fields (add_flags, from_args), so `grade`,
`check` and `demo` take the same ones; the sandbox (sandbox.SandboxLimits), nbclient
(execute.CappedClient), the supervisor and nbgrader's entry point (nbgrader_path.JudgedExecute)
read their limits from a Limits, never from a default of their own.
"""
import os
from dataclasses import dataclass, field, fields, replace

GiB = 1 << 30


def limit(default, text, flag=False):
    """A field of Limits with its help `text`; `flag` makes it a command-line flag, --name-with-
    dashes (a switch on by default gets --no-name instead, and `text` says what that does)."""
    return field(default=default, metadata={"help": text, "flag": flag})


@dataclass(frozen=True)
class Limits:
    """One grading run's limits (frozen: a changed limit is a new Limits, dataclasses.replace)."""
    cell_timeout: float = limit(30.0, "seconds one cell may run", flag=True)
    budget: float = limit(120.0, "seconds one notebook may run", flag=True)
    memory_gib: float = limit(4.0, "memory of one kernel (GiB)", flag=True)
    processes: int = limit(256, "processes one kernel may run", flag=True)
    file_gib: float = limit(1.0, "largest file, and all scratch files together, of one kernel (GiB)",
                            flag=True)
    output_chars: int = limit(20_000, "characters of output kept per cell, display() output included",
                              flag=True)
    sandbox: bool = limit(True, "run kernels unconfined (only for notebooks you trust)", flag=True)
    record_chars: int = limit(4_000_000, "characters of probe records kept per cell")
    threads: int = limit(0, "torch/BLAS threads in the kernel (0: library default; a grader "
                            "gives each of its jobs a share of the cores)")
    frame_mib: int = limit(16, "largest message frame the grader reads from a kernel (MiB)")
    grace: float = limit(60.0, "seconds on top of the budget: process start, judge, page")
    worker_memory_gib: float = limit(1.25, "the grading process of one notebook, outside the "
                                           "sandbox (GiB)")

    def deadline(self):
        """Seconds one notebook may take from its worker's start to its verdict, kept by the
        supervisor from outside: the cells' budget (kernel starts included) plus the grace."""
        return self.budget + self.grace

    def sandbox_limits(self):
        return SandboxLimits(memory_bytes=int(self.memory_gib * GiB), processes=self.processes,
                             file_bytes=int(self.file_gib * GiB))

    def shared_by(self, jobs):
        """These limits for one of `jobs` kernels running at once: without a thread count of its
        own, each gets an equal share of the cores (at least one)."""
        if self.threads:
            return self
        return replace(self, threads=max(1, (os.cpu_count() or 1) // jobs))


DEFAULTS = Limits()


def help_of(name):
    return next(f.metadata["help"] for f in fields(Limits) if f.name == name)


def flag_fields():
    return [f for f in fields(Limits) if f.metadata["flag"]]


def add_flags(parser):
    """Add a flag for each command-line limit to `parser`, in a group of their own."""
    group = parser.add_argument_group("limits")
    for f in flag_fields():
        name = f.name.replace("_", "-")
        if f.type is bool:
            group.add_argument(f"--no-{name}" if f.default else f"--{name}", dest=f.name,
                               action="store_false" if f.default else "store_true",
                               help=f.metadata["help"])
        else:
            group.add_argument(f"--{name}", dest=f.name, type=f.type, default=f.default,
                               help=f.metadata["help"])


def from_args(args, **others):
    """The Limits the flags of add_flags parsed into `args` say, with `others` (threads, ...)."""
    return Limits(**{f.name: getattr(args, f.name) for f in flag_fields()}, **others)


@dataclass
class SandboxLimits:
    """The sandbox's part of Limits (Limits.sandbox_limits), in bytes; defaults from DEFAULTS."""
    # all its memory (cgroup: page cache, tmpfs, shm, memfd too; watchdog: PSS)
    memory_bytes: int = int(DEFAULTS.memory_gib * GiB)
    processes: int = DEFAULTS.processes     # at once (cgroup: threads count too; else RLIMIT_NPROC)
    file_bytes: int = int(DEFAULTS.file_gib * GiB)  # one file; also the scratch tmpfs and /dev/shm
    poll_seconds: float = 0.1
    cgroup: bool = True                 # limits by a cgroup of its own where one can be created
    seccomp: bool = True                # the seccomp filter, where libseccomp can be loaded
