# buggy: every element becomes sign(g) * clip_value
# fails: clip_value_elements, clip_value_model
# expect: sign(g) * clip_value
import torch


def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad.copy_(torch.sign(p.grad) * clip_value)
    return n
