# correct: extra state
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        self.last_step = step
        self.current_lr = self.lr_initial * self.gamma ** (step // self.step_size)
        return self.current_lr

    def step(self, current_step):
        self.last_lr = self.get_lr(current_step)
        for group in self.optimizer.param_groups:
            group.update(lr=self.last_lr)
        return self.last_lr
