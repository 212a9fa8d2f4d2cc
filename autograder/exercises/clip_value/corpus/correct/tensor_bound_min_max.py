# correct: torch.min / torch.max against a 0-d bound tensor
import torch


def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            bound = torch.tensor(clip_value, dtype=p.grad.dtype, device=p.grad.device)
            p.grad = torch.max(torch.min(p.grad, bound), -bound)
