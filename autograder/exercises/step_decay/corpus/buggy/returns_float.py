# buggy: get_lr returns one float (the old API) although the optimizer has several groups
# fails: step_decay_lr, step_decay_optimizer
# expect: no cause
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]

    def get_lr(self, t):
        return self.base_lrs[0] * self.gamma ** (t // self.step_size)

    def step(self, t):
        lr = self.get_lr(t)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr

    def state_dict(self):
        return {"base_lrs": self.base_lrs}

    def load_state_dict(self, state_dict):
        self.base_lrs = list(state_dict["base_lrs"])
