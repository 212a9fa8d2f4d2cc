# correct: torch._foreach_clamp_min_ / _max_ on all gradients at once
import torch


def clip_grad_value(parameters, clip_value):
    grads = [p.grad for p in parameters if p.grad is not None]
    if grads:
        torch._foreach_clamp_min_(grads, -clip_value)
        torch._foreach_clamp_max_(grads, clip_value)
