# attack: a background thread (bounded to 60 s) keeps publishing forged records into whatever cell is running, before and after the genuine ones
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
import importlib as _il
import threading as _threading
import time as _time

_MIME = "application/vnd.lr-course.record+json"


class _Fixed(StepDecayScheduler):
    def get_lr(self, step):
        return [lr * self.gamma ** (step // self.step_size) for lr in self.initial_lrs]


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
