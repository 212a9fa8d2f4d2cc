# buggy: get_lr returns one float (the old API) although the optimizer has several groups
# fails: step_decay_lr, step_decay_optimizer
# expect: no cause
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.t = 0
        for group in optimizer.param_groups:
            group["lr"] = self.get_lr(0)

    def get_lr(self, t):
        return self.base_lrs[0] * self.gamma ** (t // self.step_size)

    def step(self):
        self.t += 1
        lr = self.get_lr(self.t)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr

    def state_dict(self):
        return {"base_lrs": self.base_lrs, "t": self.t}

    def load_state_dict(self, state_dict):
        self.base_lrs = list(state_dict["base_lrs"])
        self.t = state_dict["t"]
        for group in self.optimizer.param_groups:
            group["lr"] = self.get_lr(self.t)
