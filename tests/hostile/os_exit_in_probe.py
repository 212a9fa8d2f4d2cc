# attack: kill the kernel in the middle of the hidden checks (os._exit from get_lr when a probe calls it, and from a post_run_cell hook), hoping an interrupted hidden part counts as passed
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
import sys as _sys


def _in_probe():
    frame = _sys._getframe(2)
    while frame is not None:
        if "probe" in frame.f_code.co_filename or "grader" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


_wrong_get_lr = StepDecayScheduler.get_lr


def _get_lr(self, step):
    if _in_probe():
        _sys.stdout.flush()
        _os._exit(0)            # exit status 0: "the kernel finished normally"
    return _wrong_get_lr(self, step)


StepDecayScheduler.get_lr = _get_lr


def _after(result=None, *args):
    cell = getattr(getattr(result, "info", None), "raw_cell", "") or ""
    if ("from auto" + "grader import") in cell:      # a test cell's hidden part, not this cell
        _os._exit(0)


get_ipython().events.register("post_run_cell", _after)
print("exit armed")
