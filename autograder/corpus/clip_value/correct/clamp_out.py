# correct: clamp out
import torch

def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            torch.clamp(p.grad, -clip_value, clip_value, out=p.grad)
