# correct: counts whole periods with a loop and multiplies once per period; tuple in, list out
class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.opt = optimizer
        self.size = step_size
        self.g = gamma
        self.start = tuple(pg.setdefault("initial_lr", pg["lr"]) for pg in optimizer.param_groups)
        self.done = 0
        self.put(self.get_lr(0))

    def get_lr(self, t):
        factor, boundary = 1.0, self.size
        while boundary <= t:
            factor *= self.g
            boundary += self.size
        return [lr * factor for lr in self.start]

    def put(self, new):
        for i, pg in enumerate(self.opt.param_groups):
            pg["lr"] = new[i]
        return new

    def step(self):
        self.done += 1
        return self.put(self.get_lr(self.done))

    def state_dict(self):
        return {"size": self.size, "g": self.g, "done": self.done, "start": list(self.start)}

    def load_state_dict(self, sd):
        self.size, self.g, self.done, self.start = sd["size"], sd["g"], sd["done"], tuple(sd["start"])
        self.put(self.get_lr(self.done))
