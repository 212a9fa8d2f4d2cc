# buggy: step_size and gamma kept in module-level globals (a notebook habit): the last scheduler made wins
# fails: step_decay_lr
# expect: shared by every scheduler
STEP_SIZE, GAMMA = None, None


class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        global STEP_SIZE, GAMMA
        STEP_SIZE, GAMMA = step_size, gamma
        self.optimizer = optimizer
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]

    def get_lr(self, t):
        return [lr * GAMMA ** (t // STEP_SIZE) for lr in self.base_lrs]

    def step(self, t):
        lrs = self.get_lr(t)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def state_dict(self):
        return {"base_lrs": self.base_lrs}

    def load_state_dict(self, state_dict):
        self.base_lrs = list(state_dict["base_lrs"])
