# correct: np.clip on a float32 CPU copy (NumPy has no bfloat16; np.asarray keeps a 0-dim result an array), copied back
import numpy as np
import torch


def clip_grad_value(parameters, clip_value):
    total = 0
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad.detach().to("cpu", torch.float32).numpy()
        total += int(np.sum(np.abs(g) > clip_value))
        p.grad.copy_(torch.from_numpy(np.asarray(np.clip(g, -clip_value, clip_value))))
    return total
