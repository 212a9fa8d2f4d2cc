# correct: keeps the initial lrs only in group['initial_lr'] (the optimizer's checkpoint carries them); state_dict holds the last step
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.last_step = -1
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])

    def get_lr(self, t):
        decay = self.gamma ** (t // self.step_size)
        return [group["initial_lr"] * decay for group in self.optimizer.param_groups]

    def step(self, t):
        lrs = self.get_lr(t)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self.last_step = t
        return lrs

    def state_dict(self):
        return {"last_step": self.last_step}

    def load_state_dict(self, state_dict):
        self.last_step = state_dict["last_step"]
