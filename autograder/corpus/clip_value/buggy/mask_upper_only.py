# buggy: mask upper only
import torch

def clip_grad_value(parameters, clip_value):
    with torch.no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad[p.grad > clip_value] = clip_value
