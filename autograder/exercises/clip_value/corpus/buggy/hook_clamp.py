# buggy: clamps in a hook registered on each parameter: it acts on the next backward pass
# fails: clip_value_elements, clip_value_model
# expect: deferred to a hook
import torch


def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is None:
            continue
        n += int((p.grad.abs() > clip_value).sum())
        p.register_hook(lambda grad: torch.clamp(grad, -clip_value, clip_value))
    return n
