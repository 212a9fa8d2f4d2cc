# correct: counts whole periods with a loop and multiplies once per period; tuple in, list out
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.opt = optimizer
        self.size = step_size
        self.g = gamma
        self.start = tuple(pg["lr"] for pg in optimizer.param_groups)

    def get_lr(self, t):
        factor, boundary = 1.0, self.size
        while boundary <= t:
            factor *= self.g
            boundary += self.size
        return [lr * factor for lr in self.start]

    def step(self, t):
        new = self.get_lr(t)
        for i, pg in enumerate(self.opt.param_groups):
            pg["lr"] = new[i]
        return new

    def state_dict(self):
        return {"size": self.size, "g": self.g, "start": list(self.start)}

    def load_state_dict(self, sd):
        self.size, self.g, self.start = sd["size"], sd["g"], tuple(sd["start"])
