# correct: PyTorch LRScheduler style: base_lrs from group['initial_lr'], last_epoch, _last_lr, state_dict = __dict__ without the optimizer
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._update_lr()

    def get_lr(self, t):
        return [base_lr * self.gamma ** (t // self.step_size) for base_lr in self.base_lrs]

    def _update_lr(self):
        values = self.get_lr(self.last_epoch)
        for param_group, lr in zip(self.optimizer.param_groups, values):
            param_group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
        return self._last_lr

    def step(self):
        self.last_epoch += 1
        return self._update_lr()

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._update_lr()
