# buggy: step_size and gamma kept in module-level globals (a notebook habit): the last scheduler made wins
# fails: step_decay_lr, step_decay_optimizer
# expect: shared by every scheduler
STEP_SIZE, GAMMA = None, None


class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        global STEP_SIZE, GAMMA
        STEP_SIZE, GAMMA = step_size, gamma
        self.optimizer = optimizer
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.last_epoch = 0
        self._set_lrs()

    def get_lr(self, t):
        return [lr * GAMMA ** (t // STEP_SIZE) for lr in self.base_lrs]

    def _set_lrs(self):
        lrs = self.get_lr(self.last_epoch)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.last_epoch += 1
        return self._set_lrs()

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_lrs": self.base_lrs}

    def load_state_dict(self, state_dict):
        self.base_lrs = list(state_dict["base_lrs"])
        self.last_epoch = state_dict["last_epoch"]
        self._set_lrs()
