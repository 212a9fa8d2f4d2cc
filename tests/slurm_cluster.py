"""A one-node SLURM cluster for the tests, private to one test session.

`install()` gets slurmctld, slurmd, the SLURM client commands and munge from apt when they are
missing (root only); `Cluster(folder).start()` runs munged, slurmctld and slurmd in the foreground
as children of the test, with their configuration, key, sockets, state and logs in `folder` and
their own ports, so a SLURM or munge already on the machine is neither used nor disturbed;
`stop()` cancels whatever is left and ends all three. Errors carry the daemons' logs.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PACKAGES = ["slurmd", "slurmctld", "slurm-client", "munge"]
PROGRAMS = ["munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"]
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin"])


class Unavailable(Exception):
    """SLURM cannot be had here (not root, or apt could not install it): the caller skips."""


def programs():
    return {name: shutil.which(name, path=SEARCH_PATH) for name in PROGRAMS}


def install(timeout=600):
    """Installs the SLURM and munge packages when a program is missing; raises Unavailable where
    SLURM cannot be had (not root: slurmd runs jobs as root here; no apt-get; apt-get failing)."""
    if os.geteuid() != 0:
        raise Unavailable(f"installing and starting SLURM (apt-get install {' '.join(PACKAGES)}; slurmd, "
                          f"slurmctld, munged) needs root; running as uid {os.geteuid()}")
    missing = [name for name, path in programs().items() if path is None]
    if not missing:
        return
    apt = shutil.which("apt-get", path=SEARCH_PATH)
    if apt is None:
        raise Unavailable(f"SLURM is not installed ({', '.join(missing)} missing) and there is no apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    get = [apt, "-y", "-q", "-o", "DPkg::Lock::Timeout=120"]
    attempts = [[get + ["install", "--no-install-recommends", *PACKAGES]],
                [get + ["update"], get + ["install", "--no-install-recommends", *PACKAGES]]]
    log = ""
    for attempt in attempts:   # the package lists may be stale or absent (a fresh image): update, retry
        for command in attempt:
            try:
                done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise Unavailable(f"`{' '.join(command)}` ran past {timeout} s")
            log += f"$ {' '.join(command)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}\n"
            if done.returncode != 0:
                break
        else:
            break
    missing = [name for name, path in programs().items() if path is None]
    if missing:
        raise Unavailable(f"apt-get could not install SLURM ({', '.join(missing)} still missing):\n{log[-4000:]}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tail(path, chars=4000):
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as error:
        return f"({error})"
    return text if len(text) <= chars else "..." + text[-chars:]


class Cluster:
    """One node (this machine, `cpus` CPUs, `memory_mb` MB) in one partition, `debug`, whose CPUs
    each run up to `share` jobs at once."""

    def __init__(self, folder, cpus=None, memory_mb=None, share=1):
        self.folder, self.share = Path(folder), share
        self.cpus = cpus or os.cpu_count()
        self.memory_mb = memory_mb or physical_memory_mb() // 2
        self.node = socket.gethostname().split(".")[0]
        self.daemons = {}     # name -> Popen, in start order
        self.paths = programs()
        self.conf = self.folder / "slurm.conf"
        self.env = dict(os.environ, SLURM_CONF=str(self.conf))

    # -- start and stop ------------------------------------------------------------------------

    def start(self, timeout=90):
        self.paths = programs()
        for name, path in self.paths.items():
            if path is None:
                raise Unavailable(f"{name} is not installed")
        self.folder.mkdir(parents=True, exist_ok=True)
        for sub in ("state", "spool", "log", "munge"):
            (self.folder / sub).mkdir(exist_ok=True)
        munge = self.folder / "munge"
        os.chmod(munge, 0o700)
        key = munge / "munge.key"
        self.run_checked([self.paths["mungekey"], "--create", "--force", f"--keyfile={key}"])
        os.chmod(key, 0o600)
        self.socket = munge / "munge.socket"
        self.spawn("munged", [self.paths["munged"], "--foreground", "--force", f"--key-file={key}",
                              f"--socket={self.socket}", f"--pid-file={munge / 'munged.pid'}",
                              f"--log-file={self.folder / 'log' / 'munged.file.log'}",
                              f"--seed-file={munge / 'munged.seed'}"])
        self.until(lambda: self.socket.exists(), timeout, "munged never opened its socket")
        self.conf.write_text(self.configuration())
        self.spawn("slurmctld", [self.paths["slurmctld"], "-D", "-c", "-f", str(self.conf)])
        self.spawn("slurmd", [self.paths["slurmd"], "-D", "-N", self.node, "-f", str(self.conf)])
        self.until(lambda: self.node_state() == "idle", timeout, "the node never came up idle")
        return self

    def configuration(self):
        state, spool = self.folder / "state", self.folder / "spool"
        return "\n".join([
            "ClusterName=autograder-test",
            f"SlurmctldHost={self.node}(127.0.0.1)",
            f"SlurmctldPort={free_port()}",
            f"SlurmdPort={free_port()}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.socket}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "SchedulerType=sched/builtin",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU_Memory",
            "ReturnToService=2",
            "MinJobAge=3600",               # keeps finished array tasks visible to scontrol
            "KillWait=5",
            "MailProg=/bin/true",
            f"StateSaveLocation={state}",
            f"SlurmdSpoolDir={spool}",
            f"SlurmctldPidFile={state / 'slurmctld.pid'}",
            f"SlurmdPidFile={spool / 'slurmd.pid'}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.memory_mb} State=UNKNOWN",
            "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
            + (f" OverSubscribe=FORCE:{self.share}" if self.share > 1 else ""),   # `share` jobs on one CPU
            ""])

    def spawn(self, name, command):
        output = open(self.folder / "log" / f"{name}.log", "w")   # -D: the daemon logs to stdout
        self.daemons[name] = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL, env=self.env, start_new_session=True)
        output.close()

    def until(self, ready, timeout, failure):
        deadline = time.monotonic() + timeout
        while not ready():
            dead = [f"{name} exited with {p.returncode}" for name, p in self.daemons.items() if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"SLURM: {failure} ({'; '.join(dead) or f'{timeout} s'})\n{self.logs()}")
            time.sleep(0.5)

    def stop(self):
        """Cancels every job of this cluster, then ends slurmd, slurmctld and munged."""
        try:
            if self.daemons.get("slurmctld") and self.daemons["slurmctld"].poll() is None:
                jobs = self.client("squeue", "-h", "-o", "%A", timeout=20).stdout.split()
                if jobs:
                    self.client("scancel", *jobs, timeout=20)
                    deadline = time.monotonic() + 30
                    while self.client("squeue", "-h", "-o", "%A", timeout=20).stdout.split() \
                            and time.monotonic() < deadline:
                        time.sleep(1)
        except subprocess.TimeoutExpired:
            pass                     # the daemons are ended below all the same
        for name in ("slurmd", "slurmctld", "munged"):
            process = self.daemons.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    # -- jobs ------------------------------------------------------------------------------------

    def client(self, name, *args, timeout=60, **kwargs):
        return subprocess.run([self.paths[name], *args], capture_output=True, text=True, env=self.env,
                              timeout=timeout, **kwargs)

    def run_checked(self, command):
        done = subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"`{' '.join(command)}` exited with {done.returncode}:\n{done.stdout}{done.stderr}")
        return done

    def node_state(self):
        done = self.client("sinfo", "-h", "-N", "-o", "%T")
        return done.stdout.strip() if done.returncode == 0 else None

    def submit(self, script, cwd, *options, env=None):
        """sbatch `script` (its text) from `cwd`; returns the job id. The job sees `env` (default:
        this process's environment)."""
        done = subprocess.run([self.paths["sbatch"], "--parsable", *options], input=script, capture_output=True,
                              text=True, cwd=cwd, env=dict(env or os.environ, SLURM_CONF=str(self.conf)), timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"sbatch exited with {done.returncode}: {done.stderr}\n{self.logs()}")
        return done.stdout.strip().split(";")[0]

    def wait(self, job, timeout):
        """Waits for every task of `job` to end (at most `timeout` s, then cancels it); returns
        {task id: (JobState, ExitCode)} as scontrol reports them."""
        deadline = time.monotonic() + timeout
        while self.client("squeue", "-h", "-j", job, "-o", "%i").stdout.strip():
            if time.monotonic() > deadline:
                self.client("scancel", job)
                raise TimeoutError(f"SLURM job {job} still running after {timeout} s")
            if any(p.poll() is not None for p in self.daemons.values()):
                raise RuntimeError("a SLURM daemon died while the job ran")
            time.sleep(2)
        return self.tasks(job)

    def tasks(self, job):
        records = self.client("scontrol", "-o", "show", "job", job).stdout.splitlines()
        fields = [dict(re.findall(r"(\w+)=(\S*)", record)) for record in records]
        return {f.get("ArrayTaskId", f.get("JobId")): (f.get("JobState"), f.get("ExitCode")) for f in fields}

    def logs(self, *extra):
        """slurm.conf, the daemons' logs and the given files (job outputs), the last few KB of each."""
        files = [self.conf, *sorted((self.folder / "log").glob("*")), *map(Path, extra)]
        return "\n".join(f"--- {path}\n{tail(path)}" for path in files)


def physical_memory_mb():
    with open("/proc/meminfo") as meminfo:
        return int(next(line for line in meminfo if line.startswith("MemTotal:")).split()[1]) // 1024
