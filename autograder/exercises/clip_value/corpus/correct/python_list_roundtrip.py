# correct: clamps a python list of the values and copies it back with the gradient's shape
import torch


def clip_grad_value(parameters, clip_value):
    count = 0
    for p in parameters:
        if p.grad is None:
            continue
        values = p.grad.detach().cpu().flatten().tolist()
        count += sum(1 for v in values if abs(v) > clip_value)
        values = [min(max(v, -clip_value), clip_value) for v in values]
        p.grad.copy_(torch.tensor(values, dtype=p.grad.dtype).reshape(p.grad.shape))
    return count
