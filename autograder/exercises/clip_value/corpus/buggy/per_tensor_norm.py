# buggy: clip_grad_norm_ on each parameter on its own, counting the clipped tensors' elements
# fails: clip_value_elements, clip_value_model
# expect: rescaled
import torch


def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            torch.nn.utils.clip_grad_norm_([p], clip_value)
    return n
