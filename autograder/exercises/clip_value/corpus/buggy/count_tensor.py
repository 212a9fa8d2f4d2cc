# buggy: returns the count as a 0-d tensor
# fails: clip_value_elements
# expect: not a python int
import torch


def clip_grad_value(parameters, clip_value):
    total = torch.tensor(0)
    for p in parameters:
        if p.grad is not None:
            total = total + (p.grad.abs() > clip_value).sum().cpu()
            p.grad.clamp_(-clip_value, clip_value)
    return total
