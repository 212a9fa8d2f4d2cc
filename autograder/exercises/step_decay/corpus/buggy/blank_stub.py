# buggy: the unanswered nbgrader stub
# expect: not answered yet
class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        """Return the learning rate for `step` (0-indexed)."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def step(self, current_step):
        """Set the learning rate for `current_step` on every param group; return it."""
        # YOUR CODE HERE
        raise NotImplementedError()
