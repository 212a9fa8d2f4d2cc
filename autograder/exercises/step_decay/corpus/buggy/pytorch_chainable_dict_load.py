# buggy: PyTorch StepLR copied: a chained step() (right in sequence), and LRScheduler's load_state_dict (__dict__.update), which leaves the groups at update 0's lrs
# fails: step_decay_optimizer
# expect: leaves the groups at the lrs the constructor set
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        for group, lr in zip(optimizer.param_groups, self.base_lrs):
            group["lr"] = lr

    def get_lr(self, t):
        return [base_lr * self.gamma ** (t // self.step_size) for base_lr in self.base_lrs]

    def step(self):
        self.last_epoch += 1
        if self.last_epoch % self.step_size == 0:
            for group in self.optimizer.param_groups:
                group["lr"] *= self.gamma
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
        return self._last_lr

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
