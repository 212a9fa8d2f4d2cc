# buggy: state_dict returns the whole __dict__, optimizer included; after loading, step writes into the old optimizer's copy
# fails: step_decay_optimizer
# expect: the state holds objects that are not numbers or lists
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._set_lrs()

    def get_lr(self, t):
        return [lr * self.gamma ** (t // self.step_size) for lr in self.base_lrs]

    def _set_lrs(self):
        lrs = self.get_lr(self.last_epoch)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.last_epoch += 1
        return self._set_lrs()

    def state_dict(self):
        return dict(self.__dict__)

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_lrs()
