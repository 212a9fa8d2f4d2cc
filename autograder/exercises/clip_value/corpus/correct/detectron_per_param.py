# correct: in the style of detectron2's gradient clipper: torch's clip_grad_value_ on each parameter
import torch


def clip_grad_value(parameters, clip_value):
    clipped = 0
    for p in parameters:
        if p.grad is not None:
            clipped += int(p.grad.abs().gt(clip_value).sum().item())
            torch.nn.utils.clip_grad_value_(p, clip_value)
    return clipped
