# correct: Keras ExponentialDecay(staircase=True) as the factor, math.floor of the ratio
import math


class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma, staircase=True):
        self.optimizer = optimizer
        self.decay_steps = step_size
        self.decay_rate = gamma
        self.staircase = staircase
        self.initial_learning_rates = [g["lr"] for g in optimizer.param_groups]

    def factor(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return math.pow(self.decay_rate, p)

    def get_lr(self, t):
        return [lr * self.factor(t) for lr in self.initial_learning_rates]

    def step(self, t):
        new_lrs = self.get_lr(t)
        for g, lr in zip(self.optimizer.param_groups, new_lrs):
            g["lr"] = lr
        return new_lrs

    def state_dict(self):
        return {"decay_steps": self.decay_steps, "decay_rate": self.decay_rate, "staircase": self.staircase,
                "initial_learning_rates": self.initial_learning_rates}

    def load_state_dict(self, state):
        self.decay_steps = state["decay_steps"]
        self.decay_rate = state["decay_rate"]
        self.staircase = state["staircase"]
        self.initial_learning_rates = list(state["initial_learning_rates"])
