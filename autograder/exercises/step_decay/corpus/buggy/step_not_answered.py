# buggy: get_lr answered, step still the nbgrader stub
# expect: not answered yet
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        return self.lr_initial * self.gamma ** (step // self.step_size)

    def step(self, current_step):
        """Set the learning rate for `current_step` on every param group; return it."""
        # YOUR CODE HERE
        raise NotImplementedError()
