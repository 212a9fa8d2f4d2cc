# buggy: sign times c
import torch

def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.copy_(torch.sign(p.grad) * clip_value)
