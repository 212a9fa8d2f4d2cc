# correct: keeps the initial lrs only in group['initial_lr'] (the optimizer's checkpoint carries them); state_dict holds the position alone
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.last_step = 0
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self._write()

    def get_lr(self, t):
        decay = self.gamma ** (t // self.step_size)
        return [group["initial_lr"] * decay for group in self.optimizer.param_groups]

    def _write(self):
        lrs = self.get_lr(self.last_step)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.last_step += 1
        return self._write()

    def state_dict(self):
        return {"last_step": self.last_step}

    def load_state_dict(self, state_dict):
        self.last_step = state_dict["last_step"]
        self._write()
