# correct: clamps in float64 and casts back to the gradient's dtype
import torch


def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            clipped = p.grad.to(torch.float64).clamp(-clip_value, clip_value)
            p.grad = clipped.to(p.grad.dtype)
