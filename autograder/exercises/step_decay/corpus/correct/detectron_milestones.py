# correct: Detectron2 MultiStepLR style: gamma ** bisect_right(milestones, iter), with the milestones every step_size
from bisect import bisect_right


class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.iter = 0
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self._apply(self.get_lr(self.iter))

    def _milestones(self, up_to):
        return list(range(self.step_size, up_to + 1, self.step_size))

    def get_lr(self, t):
        n = bisect_right(self._milestones(t), t)
        return [base_lr * self.gamma ** n for base_lr in self.base_lrs]

    def _apply(self, lrs):
        for param_group, lr in zip(self.optimizer.param_groups, lrs):
            param_group["lr"] = lr
        return lrs

    def step(self):
        self.iter += 1
        return self._apply(self.get_lr(self.iter))

    def state_dict(self):
        return {"base_lrs": self.base_lrs, "iter": self.iter}

    def load_state_dict(self, state_dict):
        self.base_lrs = list(state_dict["base_lrs"])
        self.iter = state_dict["iter"]
        self._apply(self.get_lr(self.iter))
