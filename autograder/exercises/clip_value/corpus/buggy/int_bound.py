# buggy: int(clip_value)
# expect: expected bound 0.25, got 0. Likely cause: int(clip_value) / rounding the bound.
def clip_grad_value(parameters, clip_value):
    c = int(clip_value)
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(-c, c)
