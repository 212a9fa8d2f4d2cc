# correct: LambdaLR style: a factor lambda and base_lrs; the lambda is left out of state_dict, as PyTorch does, and load_state_dict sets the lrs too
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.lr_lambda = lambda t: gamma ** (t // step_size)
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.last_epoch = 0
        self._set()

    def get_lr(self, t):
        return [base_lr * self.lr_lambda(t) for base_lr in self.base_lrs]

    def _set(self):
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(self.last_epoch)):
            group["lr"] = lr
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self):
        self.last_epoch += 1
        return self._set()

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambda")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set()
