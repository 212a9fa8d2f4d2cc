# attack: in each test cell, stop reading: the shell and control threads block 50 s, the IOPub thread is stopped, the cell sleeps 50 s
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
import time as _time

_kernel = get_ipython().kernel


def _wedge():
    """Stop reading and answering: the shell and control threads sleep 50 s (they read the grader's
    requests), the IOPub thread stops (no output, no idle status), then this cell sleeps 50 s."""
    for holder in ("shell_channel_thread", "control_thread"):
        thread = getattr(_kernel, holder, None)
        try:
            thread.io_loop.add_callback(_time.sleep, 50)
        except Exception as error:
            print(f"{holder}: {type(error).__name__}: {error}", flush=True)
    try:
        _kernel.iopub_thread.stop()
    except Exception as error:
        print(f"iopub_thread: {type(error).__name__}: {error}", flush=True)
    _time.sleep(50)


_plain_get_lr, _wedged = StepDecayScheduler.get_lr, set()


def _get_lr(self, step):
    """The first call in each cell (a test cell, when the visible tests or a probe call the answer) wedges."""
    if get_ipython().execution_count not in _wedged:
        _wedged.add(get_ipython().execution_count)
        _wedge()
    return _plain_get_lr(self, step)


StepDecayScheduler.get_lr = _get_lr
