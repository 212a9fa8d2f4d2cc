# buggy: get_lr scales the group's current lr (right on a new scheduler, compounds once step has written)
# fails: step_decay_optimizer
# expect: multiplies each group's current lr
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.last_epoch = 0
        self._set_lrs()

    def get_lr(self, t):
        return [group["lr"] * self.gamma ** (t // self.step_size) for group in self.optimizer.param_groups]

    def _set_lrs(self):
        lrs = self.get_lr(self.last_epoch)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.last_epoch += 1
        return self._set_lrs()

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "step_size": self.step_size, "gamma": self.gamma,
                "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state_dict):
        self.step_size, self.gamma = state_dict["step_size"], state_dict["gamma"]
        self.base_lrs = list(state_dict["base_lrs"])
        self.last_epoch = state_dict["last_epoch"]
        self._set_lrs()
