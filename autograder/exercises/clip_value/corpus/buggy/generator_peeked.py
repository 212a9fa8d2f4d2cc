# buggy: next() on the parameters to peek at the first one, then loops over the rest
# expect: consumed twice
def clip_grad_value(parameters, clip_value):
    first = next(iter(parameters))
    if first.grad is None and not first.requires_grad:
        pass
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(-clip_value, clip_value)
