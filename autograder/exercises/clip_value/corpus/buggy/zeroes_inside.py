# buggy: elements inside the range are set to zero
# fails: clip_value_elements, clip_value_model
# expect: inside the range were set to 0
import torch


def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad
        n += int((g.abs() > clip_value).sum())
        p.grad = torch.where(g > clip_value, clip_value, torch.where(g < -clip_value, -clip_value, 0.0)).to(g.dtype)
    return n
