# buggy: the old one-lr-for-all habit: the first group's lr is THE lr, returned for every group
# fails: step_decay_lr
# expect: the first group's lr for every group
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        first = optimizer.param_groups[0]
        self.lr_initial = first.setdefault("initial_lr", first["lr"])
        self.last_epoch = 0
        self._set_lrs()

    def get_lr(self, t):
        lr = self.lr_initial * self.gamma ** (t // self.step_size)
        return [lr for _ in self.optimizer.param_groups]

    def _set_lrs(self):
        lrs = self.get_lr(self.last_epoch)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.last_epoch += 1
        return self._set_lrs()

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "lr_initial": self.lr_initial, "step_size": self.step_size,
                "gamma": self.gamma}

    def load_state_dict(self, state_dict):
        self.lr_initial = state_dict["lr_initial"]
        self.step_size, self.gamma = state_dict["step_size"], state_dict["gamma"]
        self.last_epoch = state_dict["last_epoch"]
        self._set_lrs()
