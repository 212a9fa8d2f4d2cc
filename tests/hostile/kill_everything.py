# attack: kill(-1) with SIGKILL and SIGTERM, then SIGKILL to every visible pid (refused, with a marker, when there is no PID namespace)
# assignment: 01_lr_schedules
# wrong: stops decaying after 6 decays (min(step // step_size, 6)); passes the visible tests, fails both hidden checks
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        n_decays = min(step // self.step_size, 6)
        return self.lr_initial * self.gamma ** n_decays

    def step(self, current_step):
        lr = self.get_lr(current_step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr
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
