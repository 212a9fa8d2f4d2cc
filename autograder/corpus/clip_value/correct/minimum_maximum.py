# correct: minimum maximum
import torch

def clip_grad_value(parameters, clip_value):
    with torch.no_grad():
        for p in parameters:
            if p.grad is not None:
                limit = torch.tensor(clip_value, dtype=p.grad.dtype, device=p.grad.device)
                p.grad.copy_(torch.minimum(torch.maximum(p.grad, -limit), limit))
