# attack: hold memory no process maps, so a PSS-based limit misses it: up to 2 GiB each in a memfd, /dev/shm, SysV shared memory and a tmpfs mounted in a nested user namespace (stops if the host runs low; holds 8 s; under 30 s in all)
# assignment: 01_lr_schedules
# wrong: stops decaying after 6 decays (min(step // step_size, 6)), and step() writes into the first param group only once current_step > 60; passes the visible tests, fails both hidden checks
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.initial_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.current_step = 0
        for group, lr in zip(optimizer.param_groups, self.get_lr(0)):
            group["lr"] = lr

    def get_lr(self, step):
        n_decays = min(step // self.step_size, 6)
        return [lr * self.gamma ** n_decays for lr in self.initial_lrs]

    def step(self):
        self.current_step += 1
        current_step = self.current_step
        lrs = self.get_lr(current_step)
        groups = self.optimizer.param_groups
        for group, lr in list(zip(groups, lrs))[:None if current_step <= 60 else 1]:
            group["lr"] = lr
        return lrs

    def state_dict(self):
        return {"initial_lrs": list(self.initial_lrs), "step_size": self.step_size, "gamma": self.gamma,
                "current_step": self.current_step}

    def load_state_dict(self, state):
        self.initial_lrs = list(state["initial_lrs"])
        self.step_size, self.gamma = state["step_size"], state["gamma"]
        self.current_step = state["current_step"]
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(self.current_step)):
            group["lr"] = lr

# --- tamper ---
import ctypes as _ctypes
import os as _os
import subprocess as _subprocess
import sys as _sys
import time as _time

_CHUNK, _EACH = 64 * 2 ** 20, 2 * 2 ** 30      # 3 GiB in memfds, 2 GiB in SysV shm, 2 GiB in a nested tmpfs
_block = b"\x03" * _CHUNK


def _host_available():
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 62


def _fill(write, what, deadline, size=None):
    """Write up to `size` (_EACH) bytes; stop if the host itself runs low (safety net) or at `deadline`."""
    done, size = 0, size or _EACH
    try:
        while done < size and _time.monotonic() < deadline:
            if _host_available() < 4 * 2 ** 30:
                print(f"{what}: the host is nearly out of memory; stopping", flush=True)
                break
            write(_block)
            done += _CHUNK
    except OSError as error:
        print(f"{what}: {type(error).__name__}: {error}", flush=True)
    print(f"memfd/shm hog: {what} holds {done / 2 ** 30:.2f} GiB", flush=True)
    return done


_held, _total = [], 0
# 0. a tmpfs of its own, mounted in a nested user and mount namespace, filled from there
_NESTED = r'''
import os, sys, time
try:
    os.makedirs("/tmp/hog-mnt", exist_ok=True)
    os.system("mount -t tmpfs -o size=8g hog /tmp/hog-mnt") == 0 or sys.exit("mount failed")
except OSError as error:
    sys.exit(f"{error}")
def available():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
done, block, deadline = 0, b"\x04" * (64 << 20), time.monotonic() + 8
for part in range(2):      # files of at most 1 GiB (the largest file allowed)
    with open(f"/tmp/hog-mnt/fill-{part}", "wb") as handle:
        while done < (part + 1 << 30) and time.monotonic() < deadline and available() > (4 << 30):
            handle.write(block); handle.flush(); done += len(block)
print(f"memfd/shm hog: nested tmpfs holds {done / 2 ** 30:.2f} GiB", flush=True)
time.sleep(15)
'''
_nested = None
try:
    _nested = _subprocess.Popen(["unshare", "-Urm", _sys.executable, "-c", _NESTED],
                                stdout=_subprocess.PIPE, stderr=_subprocess.STDOUT, text=True)
except OSError as _error:
    print("nested tmpfs:", type(_error).__name__, _error)

# 1. anonymous memfds (1 GiB each, the largest file allowed): pages owned by files no process maps
for _n in range(3):
    try:
        _fd = _os.memfd_create(f"hog-{_n}")
        _held.append(_fd)
        _total += _fill(lambda b: _os.write(_fd, b), f"memfd {_n}", _time.monotonic() + 4, 2 ** 30)
    except (OSError, AttributeError) as _error:
        print("memfd:", type(_error).__name__, _error)
# 2. POSIX shared memory: a file in /dev/shm
try:
    _fd = _os.open(f"/dev/shm/hog-{_os.getpid()}", _os.O_RDWR | _os.O_CREAT, 0o600)
    _held.append(_fd)
    _total += _fill(lambda b: _os.write(_fd, b), "/dev/shm", _time.monotonic() + 4)
except OSError as _error:
    print("/dev/shm:", type(_error).__name__, _error)
# 3. System V shared memory, written through a mapping that is then detached
_libc = _ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = _ctypes.c_void_p
_shmid = _libc.shmget(0, _ctypes.c_size_t(_EACH), 0o1600)       # IPC_PRIVATE, IPC_CREAT | 0600
if _shmid >= 0:
    _address = _libc.shmat(_shmid, None, 0)
if _shmid >= 0 and _address not in (None, 2 ** 64 - 1):
    _offset = 0

    def _sysv(block):
        global _offset
        _ctypes.memmove(_address + _offset, block, len(block))
        _offset += len(block)

    _total += _fill(_sysv, "SysV shm", _time.monotonic() + 4)
    _libc.shmdt(_ctypes.c_void_p(_address))
else:
    print("SysV shm:", _os.strerror(_ctypes.get_errno()))
print(f"memfd/shm hog: about {_total / 2 ** 30:.2f} GiB held outside any mapping; holding 8 s", flush=True)
_time.sleep(8)
if _nested is not None:
    _nested.kill()
    print("nested tmpfs:", _nested.stdout.read()[-1500:].strip(), flush=True)
for _fd in _held:
    _os.close(_fd)
try:
    _os.unlink(f"/dev/shm/hog-{_os.getpid()}")
except OSError:
    pass
if _shmid >= 0:
    _libc.shmctl(_shmid, 0, None)      # IPC_RMID
