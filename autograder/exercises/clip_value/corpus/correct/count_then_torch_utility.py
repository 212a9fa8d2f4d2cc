# correct: list the gradients once, count, then torch.nn.utils.clip_grad_value_ does the clamping
import torch


def clip_grad_value(parameters, clip_value):
    params = [p for p in parameters if p.grad is not None]
    count = sum(int(torch.count_nonzero(p.grad.abs() > clip_value)) for p in params)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    return count
