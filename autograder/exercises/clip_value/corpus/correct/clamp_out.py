# correct: torch.clamp(..., out=p.grad), the count from torch.count_nonzero
import torch


def clip_grad_value(parameters, clip_value):
    total = 0
    for p in parameters:
        if p.grad is not None:
            total += torch.count_nonzero(torch.abs(p.grad) > clip_value).item()
            torch.clamp(p.grad, min=-clip_value, max=clip_value, out=p.grad)
    return total
