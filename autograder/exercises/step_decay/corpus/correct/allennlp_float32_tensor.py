# correct: allennlp style get_values(), computed in float32 tensors on the parameters' device, floats in the groups
import torch


class StepDecayScheduler:
    def __init__(self, optimizer, step_size, gamma):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.last_epoch = 0
        self.device = optimizer.param_groups[0]["params"][0].device
        self.base_values = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self._update_groups()

    def get_values(self, t):
        factor = torch.tensor(self.gamma, dtype=torch.float32, device=self.device) ** (t // self.step_size)
        return [torch.tensor(v, dtype=torch.float32, device=self.device) * factor for v in self.base_values]

    def get_lr(self, t):
        return [v.item() for v in self.get_values(t)]

    def _update_groups(self):
        values = self.get_lr(self.last_epoch)
        for param_group, value in zip(self.optimizer.param_groups, values):
            param_group["lr"] = value
        return values

    def step(self):
        self.last_epoch += 1
        return self._update_groups()

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_values": self.base_values}

    def load_state_dict(self, state_dict):
        self.last_epoch = state_dict["last_epoch"]
        self.base_values = list(state_dict["base_values"])
        self._update_groups()
