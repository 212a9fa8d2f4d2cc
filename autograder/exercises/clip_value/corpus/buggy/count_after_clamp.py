# buggy: counts after clamping (nothing exceeds the bound then)
# fails: clip_value_elements
# expect: returns 0 whatever was clipped
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(-clip_value, clip_value)
            n += int((p.grad.abs() > clip_value).sum())
    return n
