# buggy: subtracts gamma * lr_initial per period, floored at zero
# expect: subtraction
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        n = step // self.step_size
        return max(self.lr_initial - self.gamma * self.lr_initial * n, 0.0)

    def step(self, current_step):
        lr = self.get_lr(current_step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr
