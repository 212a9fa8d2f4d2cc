# correct: Paddle StepDecay style with numpy: i = epoch // step_size, base_lr * gamma ** i, numpy floats in the groups
import numpy as np


class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        if not isinstance(step_size, int):
            raise TypeError("The type of 'step_size' must be 'int'")
        if gamma > 1.0:
            raise ValueError("gamma should be <= 1.0")
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = np.array([group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups],
                                 dtype=np.float64)
        self.last_epoch = 0
        self._set_groups()

    def get_lr(self, t):
        i = np.floor_divide(t, self.step_size)
        return list(self.base_lrs * np.power(self.gamma, i))

    def _set_groups(self):
        lrs = self.get_lr(self.last_epoch)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.last_epoch += 1
        return self._set_groups()

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_lrs": self.base_lrs.tolist(),
                "step_size": self.step_size, "gamma": self.gamma}

    def load_state_dict(self, state_dict):
        self.last_epoch = state_dict["last_epoch"]
        self.base_lrs = np.array(state_dict["base_lrs"], dtype=np.float64)
        self.step_size, self.gamma = state_dict["step_size"], state_dict["gamma"]
        self._set_groups()
