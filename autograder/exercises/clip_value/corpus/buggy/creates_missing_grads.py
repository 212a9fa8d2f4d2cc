# buggy: gives parameters without a gradient a zero gradient
# fails: clip_value_model
# expect: a gradient was created
import torch


def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        n += int((p.grad.abs() > clip_value).sum())
        p.grad.clamp_(-clip_value, clip_value)
    return n
