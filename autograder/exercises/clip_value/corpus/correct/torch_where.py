# correct: torch.where for each bound, the mask counted with count_nonzero
import torch


def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad
        n += torch.count_nonzero(g.abs() > clip_value).item()
        g = torch.where(g > clip_value, torch.full_like(g, clip_value), g)
        g = torch.where(g < -clip_value, torch.full_like(g, -clip_value), g)
        p.grad = g
    return n
