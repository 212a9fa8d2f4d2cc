# correct: mmcv StepLrUpdaterHook style: base_lr per group kept in group['initial_lr'], regular_lr list, exp = progress // step
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        assert isinstance(step_size, int) and step_size > 0
        self.optimizer = optimizer
        self.step = self.after_train_iter
        self.step_size = step_size
        self.gamma = gamma
        self.iter = 0
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lr = [group["initial_lr"] for group in optimizer.param_groups]
        self._set_lr(self.get_lr(self.iter))

    def _get_single_lr(self, progress, base_lr):
        exp = progress // self.step_size
        return base_lr * self.gamma ** exp

    def get_lr(self, t):
        return [self._get_single_lr(t, _base_lr) for _base_lr in self.base_lr]

    def _set_lr(self, regular_lr):
        for param_group, lr in zip(self.optimizer.param_groups, regular_lr):
            param_group["lr"] = lr
        return regular_lr

    def after_train_iter(self):
        self.iter += 1
        return self._set_lr(self.get_lr(self.iter))

    def state_dict(self):
        return {"step_size": self.step_size, "gamma": self.gamma, "iter": self.iter, "base_lr": list(self.base_lr)}

    def load_state_dict(self, state):
        self.step_size = state["step_size"]
        self.gamma = state["gamma"]
        self.iter = state["iter"]
        self.base_lr = list(state["base_lr"])
        self._set_lr(self.get_lr(self.iter))
