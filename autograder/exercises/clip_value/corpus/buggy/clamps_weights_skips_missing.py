# buggy: clamps the weights (WGAN-style p.data.clamp_) instead of their gradients, skipping parameters without one
# fails: clip_value_elements, clip_value_model
# expect: the weights (p or p.data) were clamped
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is None:
            continue
        n += int((p.data.abs() > clip_value).sum())
        p.data.clamp_(-clip_value, clip_value)
    return n
