# correct: torch where
import torch

def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad
        bound = torch.full_like(g, clip_value)
        g.copy_(torch.where(g > bound, bound, torch.where(g < -bound, -bound, g)))
