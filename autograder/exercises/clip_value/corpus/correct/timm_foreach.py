# correct: in the style of timm's dispatch_clip_grad: gather the grads, then _foreach clamps on all at once
import torch


def clip_grad_value(parameters, clip_value):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0
    n = sum((g.abs() > clip_value).sum().item() for g in grads)
    torch._foreach_clamp_min_(grads, -clip_value)
    torch._foreach_clamp_max_(grads, clip_value)
    return int(n)
