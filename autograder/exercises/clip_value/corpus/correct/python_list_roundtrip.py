# correct: clamps a python list of the values and copies it back
import torch


def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is None:
            continue
        values = p.grad.detach().cpu().flatten().tolist()
        values = [min(max(v, -clip_value), clip_value) for v in values]
        p.grad.copy_(torch.tensor(values, dtype=p.grad.dtype).reshape(p.grad.shape))
