# correct: gamma ** n in a float32 tensor, turned into a python float and times lr_initial
import torch


class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size

    def get_lr(self, step):
        return float(torch.tensor(self.gamma) ** (step // self.step_size)) * self.lr_initial

    def step(self, current_step):
        lr = self.get_lr(current_step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr
