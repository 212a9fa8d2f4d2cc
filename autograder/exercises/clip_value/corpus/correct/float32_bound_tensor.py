# correct: the bound as a float32 tensor, whatever the gradient's dtype (float32 rounding of the bound)
import torch


def clip_grad_value(parameters, clip_value):
    bound = torch.tensor(clip_value, dtype=torch.float32)
    for p in parameters:
        if p.grad is not None:
            limit = bound.to(p.grad.device)
            p.grad.copy_(torch.maximum(torch.minimum(p.grad, limit), -limit))
