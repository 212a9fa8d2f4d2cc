# correct: np.clip on a CPU copy, copied back into p.grad
import numpy as np
import torch


def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is None:
            continue
        clipped = np.clip(p.grad.detach().cpu().numpy(), -clip_value, clip_value)
        p.grad.copy_(torch.from_numpy(clipped))
