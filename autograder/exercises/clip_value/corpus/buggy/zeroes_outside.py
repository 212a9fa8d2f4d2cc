# buggy: elements outside the range are set to 0 instead of the bound
# expect: set to 0
import torch


def clip_grad_value(parameters, clip_value):
    with torch.no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad[p.grad.abs() > clip_value] = 0.0
