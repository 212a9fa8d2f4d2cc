# buggy: settings in a dict that is a class attribute: every scheduler shares (and overwrites) it
# fails: step_decay_lr
# expect: shared by every scheduler
class StepDecayScheduler:
    config = {}

    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.config["step_size"] = step_size
        self.config["gamma"] = gamma
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]

    def get_lr(self, t):
        factor = self.config["gamma"] ** (t // self.config["step_size"])
        return [lr * factor for lr in self.base_lrs]

    def step(self, t):
        lrs = self.get_lr(t)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def state_dict(self):
        return {"base_lrs": self.base_lrs}

    def load_state_dict(self, state_dict):
        self.base_lrs = list(state_dict["base_lrs"])
