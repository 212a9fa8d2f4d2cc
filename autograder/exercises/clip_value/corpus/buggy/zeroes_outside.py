# buggy: elements outside the range are set to 0 instead of the bound
# fails: clip_value_elements, clip_value_model
# expect: set to 0
import torch


def clip_grad_value(parameters, clip_value):
    n = 0
    with torch.no_grad():
        for p in parameters:
            if p.grad is not None:
                outside = p.grad.abs() > clip_value
                n += int(outside.sum())
                p.grad[outside] = 0.0
    return n
