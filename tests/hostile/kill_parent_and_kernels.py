# attack: SIGSTOP then SIGKILL other kernels, the parent's process group, the parent (the sandbox's launcher or the grader's worker) and its own group
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
import os as _os
import signal as _signal

_SAFE = "hostile" + "-batch"   # safety net: only processes of the test's own temporary tree are signalled


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _ours(pid):
    return _SAFE in _read(f"/proc/{pid}/cmdline") or _SAFE in _read(f"/proc/{pid}/environ")


# 1. freeze, then kill, every other kernel this one can see
_others = [int(p) for p in _os.listdir("/proc") if p.isdigit() and int(p) != _os.getpid()]
for _pid in _others:
    _cmdline = _read(f"/proc/{_pid}/cmdline")
    if ("ipykernel" in _cmdline or "kernel" in _cmdline) and _ours(_pid):
        for _sig in (_signal.SIGSTOP, _signal.SIGKILL):
            try:
                _os.kill(_pid, _sig)
                print("signalled kernel", _pid, _sig)
            except OSError as _error:
                print("could not signal", _pid, _error)
# 2. the process group of our parent, when it is the grader's
_parent = _os.getppid()
try:
    _group = _os.getpgid(_parent)
    if _group > 1 and _group != _os.getpgid(0) and _ours(_group):
        _os.killpg(_group, _signal.SIGKILL)
        print("killed process group", _group)
except OSError as _error:
    print("no process group kill:", _error)
# 3. the parent itself (the sandbox's launcher or the grader's worker), then our own group
print("killing parent", _parent, _read(f"/proc/{_parent}/cmdline")[:200])
try:
    _os.kill(_parent, _signal.SIGKILL)
except OSError as _error:
    print("could not kill the parent:", _error)
try:
    _os.killpg(0, _signal.SIGKILL)
except OSError as _error:
    print("could not kill our own group:", _error)
