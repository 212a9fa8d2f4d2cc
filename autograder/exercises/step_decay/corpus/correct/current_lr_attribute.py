# correct: extra attributes (current_lr, a history list) kept by step
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size
        self.current_lr = lr_initial
        self.history = []

    def get_lr(self, step):
        return self.lr_initial * (self.gamma ** (step // self.step_size))

    def step(self, current_step):
        self.current_lr = self.get_lr(current_step)
        self.history.append((current_step, self.current_lr))
        for param_group in self.optimizer.param_groups:
            param_group['lr'] = self.current_lr
        return self.current_lr
