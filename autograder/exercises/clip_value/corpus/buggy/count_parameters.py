# buggy: counts the parameters that had something clipped
# fails: clip_value_elements
# expect: clipped parameters (tensors)
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            if (p.grad.abs() > clip_value).any():
                n += 1
            p.grad.clamp_(-clip_value, clip_value)
    return n
