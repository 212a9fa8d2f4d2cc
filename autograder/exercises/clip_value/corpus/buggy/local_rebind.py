# buggy: rebinds a local name (g = g.clamp(...)), p.grad keeps its values
# fails: clip_value_elements, clip_value_model
# expect: still holds its old values
import torch


def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        g = p.grad
        if g is None:
            continue
        n += int(torch.count_nonzero(g.abs() > clip_value))
        g = torch.clamp(g, -clip_value, clip_value)
    return n
