# buggy: torch.clamp(p.grad, ...) result discarded (torch.clamp is not in place)
# fails: clip_value_elements, clip_value_model
# expect: still holds its old values
import torch


def clip_grad_value(parameters, clip_value):
    count = 0
    for p in parameters:
        if p.grad is not None:
            count += int(torch.count_nonzero(p.grad.abs() > clip_value))
            torch.clamp(p.grad, -clip_value, clip_value)
    return count
