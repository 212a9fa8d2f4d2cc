# correct: python loop over values
import torch

def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is None:
            continue
        values = p.grad.detach().cpu().reshape(-1).tolist()
        clipped = [min(max(v, -clip_value), clip_value) for v in values]
        p.grad.copy_(torch.tensor(clipped, dtype=p.grad.dtype).reshape(p.grad.shape))
