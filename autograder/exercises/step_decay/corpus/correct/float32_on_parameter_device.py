# correct: a float32 tensor on the parameters' device (the GPU when there is one); step returns it
import torch


class StepDecayScheduler:
    def __init__(self, optimizer, lr_initial, gamma=0.5, step_size=1000):
        self.optimizer = optimizer
        self.lr_initial = lr_initial
        self.gamma = gamma
        self.step_size = step_size
        self.device = optimizer.param_groups[0]["params"][0].device

    def get_lr(self, step):
        gamma = torch.tensor(self.gamma, dtype=torch.float32, device=self.device)
        return self.lr_initial * gamma ** (step // self.step_size)

    def step(self, current_step):
        lr = self.get_lr(current_step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr.item()
        return lr
