# buggy: two mistakes at once, (t + 1) // step_size and the first group's lr for all: no single known mistake fits
# fails: step_decay_lr
# expect: no cause
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        first = optimizer.param_groups[0]
        self.lr = first.setdefault("initial_lr", first["lr"])
        self.last_epoch = 0
        self._set_lrs()

    def get_lr(self, t):
        lr = self.lr * self.gamma ** ((t + 1) // self.step_size)
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
        return {"last_epoch": self.last_epoch, "lr": self.lr}

    def load_state_dict(self, state_dict):
        self.lr = state_dict["lr"]
        self.last_epoch = state_dict["last_epoch"]
        self._set_lrs()
