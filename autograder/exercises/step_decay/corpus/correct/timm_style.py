# correct: timm Scheduler style: decay_t / decay_rate, base_values read from param_group_field 'initial_lr', update_groups
import math


class StepDecayScheduler:
    param_group_field = "lr"

    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.decay_t = step_size
        self.decay_rate = gamma
        self.num_updates = 0
        self._initial_param_group_field = f"initial_{self.param_group_field}"
        for group in self.optimizer.param_groups:
            if self._initial_param_group_field not in group:
                group[self._initial_param_group_field] = group[self.param_group_field]
        self.base_values = [group[self._initial_param_group_field] for group in self.optimizer.param_groups]
        self.update_groups(self._get_lr(self.num_updates))

    def _get_lr(self, t):
        return [v * (self.decay_rate ** (t // self.decay_t)) for v in self.base_values]

    def get_lr(self, t):
        return self._get_lr(t)

    def update_groups(self, values):
        for param_group, value in zip(self.optimizer.param_groups, values):
            param_group[self.param_group_field] = value
        return values

    def step(self):
        self.num_updates += 1
        return self.update_groups(self._get_lr(self.num_updates))

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self.update_groups(self._get_lr(self.num_updates))
