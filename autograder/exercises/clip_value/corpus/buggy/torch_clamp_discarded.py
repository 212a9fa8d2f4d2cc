# buggy: torch.clamp(p.grad, ...) result discarded
# expect: not clipped in place
import torch


def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            torch.clamp(p.grad, -clip_value, clip_value)
