# buggy: allennlp-style counter: get_lr advances self.last_epoch on every call and ignores t
# fails: step_decay_lr, step_decay_optimizer
# expect: counts its own calls
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.last_epoch = -1
        self.base_values = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.step()

    def get_lr(self, t):
        self.last_epoch += 1
        return [v * self.gamma ** (self.last_epoch // self.step_size) for v in self.base_values]

    def step(self):
        values = self.get_lr(self.last_epoch + 1)
        for group, value in zip(self.optimizer.param_groups, values):
            group["lr"] = value
        return values

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_values": self.base_values}

    def load_state_dict(self, state_dict):
        self.last_epoch = state_dict["last_epoch"] - 1
        self.base_values = list(state_dict["base_values"])
        self.step()
