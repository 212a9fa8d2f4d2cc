# correct: get_lr returns a 0-d float32 tensor; step writes .item()
import torch


class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        decays = torch.tensor(step // self.step_size, dtype=torch.float32)
        return self.lr_initial * torch.tensor(self.gamma, dtype=torch.float32) ** decays

    def step(self, current_step):
        lr = self.get_lr(current_step).item()
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr
