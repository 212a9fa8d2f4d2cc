# buggy: state_dict written, load_state_dict forgotten
# fails: step_decay_optimizer
# expect: raised AttributeError
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.last_epoch = 0
        self.step_to(0)

    def get_lr(self, t):
        return [lr * self.gamma ** (t // self.step_size) for lr in self.base_lrs]

    def step_to(self, t):
        lrs = self.get_lr(t)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.last_epoch += 1
        return self.step_to(self.last_epoch)

    def state_dict(self):
        return {"base_lrs": self.base_lrs, "last_epoch": self.last_epoch}
