# correct: torch.minimum / torch.maximum against a 0-d limit, under no_grad, copied back
import torch


def clip_grad_value(parameters, clip_value):
    clipped = 0
    with torch.no_grad():
        for p in parameters:
            if p.grad is None:
                continue
            limit = torch.tensor(clip_value, dtype=p.grad.dtype, device=p.grad.device)
            clipped += int((p.grad.abs() > limit).sum())
            p.grad.copy_(torch.minimum(torch.maximum(p.grad, -limit), limit))
    return clipped
