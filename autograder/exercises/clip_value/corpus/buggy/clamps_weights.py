# buggy: clamps p.data (the weights) instead of p.grad
# fails: clip_value_elements, clip_value_model
# expect: the weights (p or p.data) were clamped
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.data.clamp_(-clip_value, clip_value)
    return n
