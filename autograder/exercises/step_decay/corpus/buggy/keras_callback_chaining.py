# buggy: Keras-callback style: at each period boundary the current lrs are multiplied by gamma in place
# fails: step_decay_optimizer
# expect: multiplies the current lrs by gamma at each period boundary
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]

    def get_lr(self, t):
        return [base_lr * self.gamma ** (t // self.step_size) for base_lr in self.base_lrs]

    def step(self, t):
        if t > 0 and t % self.step_size == 0:
            for group in self.optimizer.param_groups:
                group["lr"] *= self.gamma
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {"step_size": self.step_size, "gamma": self.gamma, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state_dict):
        self.step_size, self.gamma = state_dict["step_size"], state_dict["gamma"]
        self.base_lrs = list(state_dict["base_lrs"])
