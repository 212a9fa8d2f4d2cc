# attack: forge the hidden tests' records without the right numbers: the genuine probe's record of the wrong class, relabelled, reshuffled and padded, sent from the test cells through a post_run_cell hook and as the cell's result
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
import random as _random

from IPython.display import display as _display

_MIME = "application/vnd.lr-course.record+json"
_CHECKS = ("step_decay_lr", "step_decay_optimizer")


def _genuine(check):
    try:
        return getattr(_il.import_module("autograder.exercises.step_decay.probe"), check)(StepDecayScheduler)
    except BaseException as error:
        print("probe unavailable:", type(error).__name__)
        return {"check": check, "outcomes": {}}


def _forgeries(check):
    record = _genuine(check)
    outcomes = record.get("outcomes", {})
    yield record                                                   # the wrong answer's own numbers
    values = list(outcomes.values())
    _random.Random(7).shuffle(values)
    yield {"check": check, "outcomes": dict(zip(outcomes, values))}  # the right kind of values, reshuffled
    other = [c for c in _CHECKS if c != check][0]
    yield {"check": check, "outcomes": _genuine(other).get("outcomes", {})}   # the other check's record
    yield {"check": check, "outcomes": {key: {"value": {"float": 0.1}} for key in outcomes}}  # a guess
    yield {"check": check, "outcomes": {key: {"value": None} for key in outcomes}}


def _send(checks):
    for check in checks:
        for record in _forgeries(check):
            _display({_MIME: record, "text/plain": "[hidden test ran]"}, raw=True)


def _after(result=None, *args):
    cell = getattr(getattr(result, "info", None), "raw_cell", "") or ""
    if "checks." in cell:
        _send([c for c in _CHECKS if c in cell] or _CHECKS)


get_ipython().events.register("post_run_cell", _after)
print("forgers installed")
