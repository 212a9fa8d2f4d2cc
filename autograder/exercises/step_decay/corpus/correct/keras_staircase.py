# correct: Keras ExponentialDecay(staircase=True) as the factor, math.floor of the ratio; the optimizer's iterations counted
import math


class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma, staircase=True):
        self.optimizer = optimizer
        self.decay_steps = step_size
        self.decay_rate = gamma
        self.staircase = staircase
        self.iterations = 0
        self.initial_learning_rates = [g.setdefault("initial_lr", g["lr"]) for g in optimizer.param_groups]
        self._assign()

    def factor(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return math.pow(self.decay_rate, p)

    def get_lr(self, t):
        return [lr * self.factor(t) for lr in self.initial_learning_rates]

    def _assign(self):
        new_lrs = self.get_lr(self.iterations)
        for g, lr in zip(self.optimizer.param_groups, new_lrs):
            g["lr"] = lr
        return new_lrs

    def step(self):
        self.iterations += 1
        return self._assign()

    def state_dict(self):
        return {"decay_steps": self.decay_steps, "decay_rate": self.decay_rate, "staircase": self.staircase,
                "iterations": self.iterations, "initial_learning_rates": self.initial_learning_rates}

    def load_state_dict(self, state):
        self.decay_steps = state["decay_steps"]
        self.decay_rate = state["decay_rate"]
        self.staircase = state["staircase"]
        self.iterations = state["iterations"]
        self.initial_learning_rates = list(state["initial_learning_rates"])
        self._assign()
