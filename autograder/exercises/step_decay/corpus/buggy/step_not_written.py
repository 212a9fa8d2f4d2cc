# buggy: hook style: step computes the lrs into self._last_lr and never writes them into the param groups
# fails: step_decay_optimizer
# expect: step() does not write the lrs
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = self.get_lr(0)

    def get_lr(self, t):
        return [base_lr * self.gamma ** (t // self.step_size) for base_lr in self.base_lrs]

    def step(self):
        self.last_epoch += 1
        self._last_lr = self.get_lr(self.last_epoch)
        return self._last_lr

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "step_size": self.step_size, "gamma": self.gamma,
                "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state_dict):
        self.step_size, self.gamma = state_dict["step_size"], state_dict["gamma"]
        self.base_lrs = list(state_dict["base_lrs"])
        self.last_epoch = state_dict["last_epoch"]
        self._last_lr = self.get_lr(self.last_epoch)
