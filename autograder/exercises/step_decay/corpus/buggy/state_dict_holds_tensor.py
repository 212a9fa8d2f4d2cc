# buggy: initial lrs kept as a torch tensor, and state_dict returns that tensor (the contract asks for plain values)
# fails: step_decay_optimizer
# expect: the state holds tensors
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = torch.tensor([g.setdefault("initial_lr", g["lr"]) for g in optimizer.param_groups],
                                     dtype=torch.float64)
        self.steps_done = 0
        self._apply()

    def get_lr(self, t):
        return (self.base_lrs * self.gamma ** (t // self.step_size)).tolist()

    def _apply(self):
        lrs = self.get_lr(self.steps_done)
        for g, lr in zip(self.optimizer.param_groups, lrs):
            g["lr"] = lr
        return lrs

    def step(self):
        self.steps_done += 1
        return self._apply()

    def state_dict(self):
        return {"base_lrs": self.base_lrs, "step_size": self.step_size, "gamma": self.gamma,
                "steps_done": self.steps_done}

    def load_state_dict(self, state):
        self.base_lrs = state["base_lrs"].clone()
        self.step_size = state["step_size"]
        self.gamma = state["gamma"]
        self.steps_done = state["steps_done"]
        self._apply()
