# buggy: two mistakes at once, (t + 1) // step_size and the first group's lr for all: no single known mistake fits
# fails: step_decay_lr
# expect: no cause
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.lr = optimizer.param_groups[0]["lr"]

    def get_lr(self, t):
        lr = self.lr * self.gamma ** ((t + 1) // self.step_size)
        return [lr] * len(self.optimizer.param_groups)

    def step(self, t):
        lrs = self.get_lr(t)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def state_dict(self):
        return {"lr": self.lr}

    def load_state_dict(self, state_dict):
        self.lr = state_dict["lr"]
