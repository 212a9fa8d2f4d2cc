# buggy: the position is a class attribute (reset by each new scheduler): two schedulers stepped in turn share one count
# fails: step_decay_optimizer
# expect: the position is kept on the class
class StepDecayScheduler:
    updates_done = 0

    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        StepDecayScheduler.updates_done = 0
        self._set_lrs()

    def get_lr(self, t):
        return [base_lr * self.gamma ** (t // self.step_size) for base_lr in self.base_lrs]

    def _set_lrs(self):
        lrs = self.get_lr(StepDecayScheduler.updates_done)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        StepDecayScheduler.updates_done += 1
        return self._set_lrs()

    def state_dict(self):
        return {"updates_done": StepDecayScheduler.updates_done, "step_size": self.step_size, "gamma": self.gamma,
                "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state_dict):
        self.step_size, self.gamma = state_dict["step_size"], state_dict["gamma"]
        self.base_lrs = list(state_dict["base_lrs"])
        StepDecayScheduler.updates_done = state_dict["updates_done"]
        self._set_lrs()
