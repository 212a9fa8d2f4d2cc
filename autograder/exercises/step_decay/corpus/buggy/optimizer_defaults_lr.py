# buggy: optimizer.defaults['lr'] as every group's base (ignores the groups' own lrs)
# fails: step_decay_lr
# expect: optimizer's default lr
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lr = optimizer.defaults["lr"]

    def get_lr(self, t):
        lr = self.base_lr * self.gamma ** (t // self.step_size)
        return [lr] * len(self.optimizer.param_groups)

    def step(self, t):
        lrs = self.get_lr(t)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def state_dict(self):
        return {"base_lr": self.base_lr}

    def load_state_dict(self, state_dict):
        self.base_lr = state_dict["base_lr"]
