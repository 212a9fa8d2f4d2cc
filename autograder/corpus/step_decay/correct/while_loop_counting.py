# correct: while loop counting
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        decays, remaining = 0, step
        while remaining >= self.step_size:
            remaining -= self.step_size
            decays += 1
        return self.lr_initial * self.gamma ** decays

    def step(self, current_step):
        lr = self.get_lr(current_step)
        for param_group in self.optimizer.param_groups:
            param_group["lr"] = lr
        return lr
