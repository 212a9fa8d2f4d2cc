# buggy: elements inside the range are set to zero
# expect: must stay unchanged
import torch


def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad
        p.grad = torch.where(g > clip_value, clip_value, torch.where(g < -clip_value, -clip_value, 0.0))
