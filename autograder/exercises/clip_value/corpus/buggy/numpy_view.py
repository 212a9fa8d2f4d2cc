# buggy: clamps through a .numpy() view (NumPy has no bfloat16)
# fails: clip_value_elements
# expect: bfloat16
import numpy as np


def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad.detach().cpu().numpy()
        n += int((np.abs(g) > clip_value).sum())
        np.clip(g, -clip_value, clip_value, out=g)
        p.grad.copy_(p.grad.new_tensor(g))
    return n
