# buggy: step multiplies each group's current lr by gamma at period boundaries
# expect: not rescale the current lr
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        return self.lr_initial * self.gamma ** (step // self.step_size)

    def step(self, current_step):
        if current_step > 0 and current_step % self.step_size == 0:
            for group in self.optimizer.param_groups:
                group["lr"] *= self.gamma
        return self.optimizer.param_groups[0]["lr"]
