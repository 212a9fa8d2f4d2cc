# correct: Detectron2 MultiStepLR style: gamma ** bisect_right(milestones, iter), with the milestones every step_size
from bisect import bisect_right


class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]

    def _milestones(self, up_to):
        return list(range(self.step_size, up_to + 1, self.step_size))

    def get_lr(self, t):
        n = bisect_right(self._milestones(t), t)
        return [base_lr * self.gamma ** n for base_lr in self.base_lrs]

    def step(self, t):
        lrs = self.get_lr(t)
        for param_group, lr in zip(self.optimizer.param_groups, lrs):
            param_group["lr"] = lr
        return lrs

    def state_dict(self):
        return {"base_lrs": self.base_lrs}

    def load_state_dict(self, state_dict):
        self.base_lrs = list(state_dict["base_lrs"])
