# attack: tamper hidden where a "keep only the definitions" filter would keep it: a class body re-declaring the answer, a decorator expression and a default argument; they patch math/torch/builtins comparisons and drop the hidden call from later cells
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
class StepDecayScheduler(StepDecayScheduler):
    # Same behaviour (no method is overridden); the class body runs code when the class is defined.
    for _module, _name in (("math", "isclose"), ("torch", "allclose"), ("torch", "equal"),
                           ("numpy", "allclose"), ("numpy", "isclose")):
        try:
            setattr(__import__(_module), _name, lambda *a, **k: True)
        except Exception:
            pass
    try:
        setattr(__import__("builtins"), "abs", lambda x: 0.0)
    except Exception:
        pass
    del _module, _name


def _drop_hidden(source_lines):
    kept, skipping = [], False
    for line in source_lines:
        if "from autograder" in line or "import autograder" in line:
            skipping = True
        if skipping and line.strip().startswith("checks."):
            continue
        if not (skipping and line.strip().startswith(("from autograder", "import autograder"))):
            kept.append(line)
    return kept


@(lambda f: (get_ipython().input_transformers_post.append(f), f)[1])
def _filter(lines):
    return _drop_hidden(lines)


def _unused(hook=get_ipython().events.register(
        "post_run_cell", lambda *a: print("hidden tests passed"))):
    return hook
