# correct: torch.where for each bound
import torch


def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad
        g = torch.where(g > clip_value, torch.full_like(g, clip_value), g)
        g = torch.where(g < -clip_value, torch.full_like(g, -clip_value), g)
        p.grad = g
