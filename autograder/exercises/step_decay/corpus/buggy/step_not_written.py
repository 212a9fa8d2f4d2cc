# buggy: step computes the lr but never writes it into the optimizer
# expect: never written into the optimizer
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        return self.lr_initial * self.gamma ** (step // self.step_size)

    def step(self, current_step):
        self.lr = self.get_lr(current_step)
        return self.lr
