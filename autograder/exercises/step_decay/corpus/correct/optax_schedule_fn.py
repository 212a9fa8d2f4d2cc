# correct: optax style: a schedule function of the count (exponential_decay, staircase) built once, times each base lr
def exponential_decay(transition_steps, decay_rate, staircase=True):
    def schedule(count):
        p = count / transition_steps
        if staircase:
            p = count // transition_steps
        return decay_rate ** p
    return schedule


class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size, self.gamma = step_size, gamma
        self.schedule = exponential_decay(step_size, gamma)
        self.init_values = tuple(group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups)
        self.count = 0
        self._update()

    def get_lr(self, t):
        scale = self.schedule(t)
        return [init * scale for init in self.init_values]

    def _update(self):
        lrs = self.get_lr(self.count)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        return lrs

    def step(self):
        self.count += 1
        return self._update()

    def state_dict(self):
        # the schedule function is rebuilt from the settings, not saved
        return {"step_size": self.step_size, "gamma": self.gamma, "count": self.count,
                "init_values": list(self.init_values)}

    def load_state_dict(self, state):
        self.step_size, self.gamma, self.count = state["step_size"], state["gamma"], state["count"]
        self.schedule = exponential_decay(self.step_size, self.gamma)
        self.init_values = tuple(state["init_values"])
        self._update()
