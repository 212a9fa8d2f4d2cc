# buggy: optimizer.defaults['lr'] as every group's base (ignores the groups' own lrs)
# fails: step_decay_lr
# expect: optimizer's default lr
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lr = optimizer.defaults["lr"]
        self.last_epoch = 0
        self._set_lrs()

    def get_lr(self, t):
        lr = self.base_lr * self.gamma ** (t // self.step_size)
        return [lr] * len(self.optimizer.param_groups)

    def _set_lrs(self):
        lrs = self.get_lr(self.last_epoch)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.last_epoch += 1
        return self._set_lrs()

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_lr": self.base_lr}

    def load_state_dict(self, state_dict):
        self.base_lr = state_dict["base_lr"]
        self.last_epoch = state_dict["last_epoch"]
        self._set_lrs()
