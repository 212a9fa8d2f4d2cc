# buggy: the old one-lr-for-all habit: the first group's lr is THE lr, returned for every group
# fails: step_decay_lr
# expect: the first group's lr for every group
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.lr_initial = optimizer.param_groups[0]["lr"]

    def get_lr(self, t):
        lr = self.lr_initial * self.gamma ** (t // self.step_size)
        return [lr for _ in self.optimizer.param_groups]

    def step(self, t):
        lrs = self.get_lr(t)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def state_dict(self):
        return {"lr_initial": self.lr_initial, "step_size": self.step_size, "gamma": self.gamma}

    def load_state_dict(self, state_dict):
        self.lr_initial = state_dict["lr_initial"]
        self.step_size, self.gamma = state_dict["step_size"], state_dict["gamma"]
