# correct: the reference answer: initial lrs kept per group, whole periods by floor division, the position counted by step()
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        if not (isinstance(step_size, int) and step_size >= 1):
            raise ValueError(f"step_size must be a positive int, got {step_size!r}")
        if not 0 < gamma <= 1:
            raise ValueError(f"need 0 < gamma <= 1, got {gamma}")
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.initial_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.position = 0
        self._set_lrs()

    def get_lr(self, t):
        periods = t // self.step_size
        return [lr * self.gamma ** periods for lr in self.initial_lrs]

    def _set_lrs(self):
        lrs = self.get_lr(self.position)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.position += 1
        return self._set_lrs()

    def state_dict(self):
        return {"step_size": self.step_size, "gamma": self.gamma, "position": self.position,
                "initial_lrs": list(self.initial_lrs)}

    def load_state_dict(self, state):
        self.step_size, self.gamma, self.position = state["step_size"], state["gamma"], state["position"]
        self.initial_lrs = list(state["initial_lrs"])
        for group, lr in zip(self.optimizer.param_groups, self.initial_lrs):
            group["initial_lr"] = lr
        self._set_lrs()
