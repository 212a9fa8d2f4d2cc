# correct: LambdaLR style: a factor lambda and base_lrs; the lambda is left out of state_dict, as PyTorch does
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.lr_lambda = lambda t: gamma ** (t // step_size)
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]

    def get_lr(self, t):
        return [base_lr * self.lr_lambda(t) for base_lr in self.base_lrs]

    def step(self, t):
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(t)):
            group["lr"] = lr
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambda")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
