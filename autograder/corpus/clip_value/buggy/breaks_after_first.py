# buggy: breaks after first
import torch

def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad = torch.clamp(p.grad, -clip_value, clip_value)
            break
