# buggy: base lrs read from group['lr'] and never saved: a resumed scheduler takes the decayed lrs as its peaks
# fails: step_decay_optimizer
# expect: took the restored optimizer's lrs
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._set_lrs()

    def get_lr(self, t):
        return [base_lr * self.gamma ** (t // self.step_size) for base_lr in self.base_lrs]

    def _set_lrs(self):
        lrs = self.get_lr(self.last_epoch)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.last_epoch += 1
        return self._set_lrs()

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "step_size": self.step_size, "gamma": self.gamma}

    def load_state_dict(self, state_dict):
        self.step_size, self.gamma = state_dict["step_size"], state_dict["gamma"]
        self.last_epoch = state_dict["last_epoch"]
        self._set_lrs()
