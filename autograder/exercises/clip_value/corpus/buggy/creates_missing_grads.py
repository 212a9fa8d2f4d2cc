# buggy: gives parameters without a gradient a zero gradient
# expect: got one
import torch


def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        p.grad.clamp_(-clip_value, clip_value)
