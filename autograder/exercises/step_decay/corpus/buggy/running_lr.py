# buggy: stateful — multiplies a stored lr whenever step is a multiple of step_size
# expect: depends on earlier calls
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size
        self.lr = lr_initial

    def get_lr(self, step):
        if step > 0 and step % self.step_size == 0:
            self.lr = self.lr * self.gamma
        return self.lr

    def step(self, current_step):
        lr = self.get_lr(current_step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr
