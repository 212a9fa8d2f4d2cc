# buggy: copies a python list back without the gradient's shape
# fails: clip_value_elements, clip_value_model
# expect: no cause
import torch


def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is None:
            continue
        values = [min(max(v, -clip_value), clip_value) for v in p.grad.flatten().tolist()]
        n += sum(1 for v in p.grad.flatten().tolist() if abs(v) > clip_value)
        p.grad = torch.tensor(values, dtype=p.grad.dtype, device=p.grad.device)
    return n
