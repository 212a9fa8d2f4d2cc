# correct: torch.clamp(..., out=p.grad)
import torch


def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            torch.clamp(p.grad, min=-clip_value, max=clip_value, out=p.grad)
