# attack: a background thread (bounded to 60 s) keeps publishing forged records into whatever cell is running, before and after the genuine ones
# assignment: 01_lr_schedules
# wrong: stops decaying after 6 decays (min(step // step_size, 6)); passes the visible tests, fails the hidden ones
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
import importlib as _il
import threading as _threading
import time as _time

_MIME = "application/vnd.lr-course.record+json"


class _Fixed(StepDecayScheduler):
    def get_lr(self, step):
        return self.lr_initial * self.gamma ** (step // self.step_size)


def _record(check):
    try:
        return getattr(_il.import_module("autograder.exercises.step_decay.probe"), check)(_Fixed)
    except BaseException:
        return {"check": check, "outcomes": {}}


_RECORDS = {check: _record(check) for check in ("step_decay_lr", "step_decay_optimizer")}
_ip = get_ipython()
_pub = _ip.display_pub


def _forge_forever():
    deadline = _time.monotonic() + 60
    while _time.monotonic() < deadline:
        try:
            # follow the cell being executed now (the global parent), not the one that started us
            _pub.set_thread_parent(_ip.kernel.get_parent("shell"))
        except Exception:
            pass
        for check, record in _RECORDS.items():
            try:
                _pub.publish(data={_MIME: record, "text/plain": f"[hidden test {check}: ran]"}, metadata={})
            except Exception:
                pass
        _time.sleep(0.05)


for _ in range(2):
    _threading.Thread(target=_forge_forever, daemon=True).start()
print("forging threads started")
