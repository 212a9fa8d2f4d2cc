# buggy: initial lrs kept as a torch tensor, and state_dict returns that tensor (the contract asks for plain values)
# fails: step_decay_optimizer
# expect: the state holds tensors
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = torch.tensor([g["lr"] for g in optimizer.param_groups], dtype=torch.float64)

    def get_lr(self, t):
        return (self.base_lrs * self.gamma ** (t // self.step_size)).tolist()

    def step(self, t):
        lrs = self.get_lr(t)
        for g, lr in zip(self.optimizer.param_groups, lrs):
            g["lr"] = lr
        return lrs

    def state_dict(self):
        return {"base_lrs": self.base_lrs, "step_size": self.step_size, "gamma": self.gamma}

    def load_state_dict(self, state):
        self.base_lrs = state["base_lrs"].clone()
        self.step_size = state["step_size"]
        self.gamma = state["gamma"]
