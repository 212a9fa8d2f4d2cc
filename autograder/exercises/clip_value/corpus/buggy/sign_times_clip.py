# buggy: every element becomes sign(g) * clip_value
# expect: must stay unchanged
import torch


def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.copy_(torch.sign(p.grad) * clip_value)
