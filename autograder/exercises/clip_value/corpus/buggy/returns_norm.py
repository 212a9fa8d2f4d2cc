# buggy: clips right but returns the gradient norm, as clip_grad_norm_ does
# fails: clip_value_elements
# expect: L2 norm
import torch


def clip_grad_value(parameters, clip_value):
    params = [p for p in parameters if p.grad is not None]
    total_norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad.float()) for p in params]))
    for p in params:
        p.grad.clamp_(-clip_value, clip_value)
    return total_norm
