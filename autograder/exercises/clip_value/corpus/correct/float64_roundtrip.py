# correct: clamps in float64 and casts back to the gradient's dtype
import torch


def clip_grad_value(parameters, clip_value):
    count = 0
    for p in parameters:
        if p.grad is not None:
            g64 = p.grad.to(torch.float64)
            count += int((g64.abs() > clip_value).sum())
            p.grad = g64.clamp(-clip_value, clip_value).to(p.grad.dtype)
    return count
