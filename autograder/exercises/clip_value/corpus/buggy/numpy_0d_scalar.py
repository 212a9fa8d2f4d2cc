# buggy: np.clip on a float32 copy; for a 0-dim gradient np.clip returns a numpy scalar, which torch.from_numpy rejects
# fails: clip_value_elements
# expect: 0-dim
import numpy as np
import torch


def clip_grad_value(parameters, clip_value):
    total = 0
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad.detach().to("cpu", torch.float32).numpy()
        total += int(np.sum(np.abs(g) > clip_value))
        p.grad.copy_(torch.from_numpy(np.clip(g, -clip_value, clip_value)))
    return total
