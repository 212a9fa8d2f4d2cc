# correct: index loop over groups
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        return (self.gamma ** (step // self.step_size)) * self.lr_initial

    def step(self, current_step):
        lr = self.get_lr(current_step)
        for i in range(len(self.optimizer.param_groups)):
            self.optimizer.param_groups[i]["lr"] = lr
        return lr
