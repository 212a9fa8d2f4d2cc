# attack: 100 MB through print, 40 MB straight to file descriptors 1 and 2, a 10 MB line, 10 MB on stderr, then 5 MB printed in every later cell
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
import time as _time

_start = _time.monotonic()
_line = "x" * 1023 + "\n"
_chunk = _line * 1024                       # 1 MB
for _i in range(100):                        # 100 MB through print
    print(_chunk, end="")
    if _time.monotonic() - _start > 20:
        break
print(f"\nhuge print: {_i + 1} MB printed after {_time.monotonic() - _start:.1f} s", flush=True)
for _fd in (1, 2):                           # 20 MB to the raw file descriptors, below sys.stdout
    for _ in range(20):
        try:
            _os.write(_fd, _chunk.encode())
        except OSError:
            break
try:
    _sys.__stdout__.write("y" * (10 * 2 ** 20))   # one 10 MB line without a newline
    _sys.__stdout__.flush()
except Exception:
    pass
_sys.stderr.write("e" * (10 * 2 ** 20))
print("huge print: done", flush=True)


def _flood(*args):
    print("z" * (5 * 2 ** 20))


get_ipython().events.register("pre_run_cell", _flood)
get_ipython().events.register("post_run_cell", _flood)
