# correct: caches computed values in a dict (state that never changes an answer)
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size
        self._cache = {}

    def get_lr(self, step):
        if step not in self._cache:
            self._cache[step] = self.lr_initial * self.gamma ** (step // self.step_size)
        return self._cache[step]

    def step(self, current_step):
        lr = self.get_lr(current_step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr
