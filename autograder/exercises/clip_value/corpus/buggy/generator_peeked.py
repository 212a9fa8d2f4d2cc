# buggy: next() on the parameters to peek at the first one, then loops over the rest
# fails: clip_value_model
# expect: can be iterated only once
def clip_grad_value(parameters, clip_value):
    first = next(iter(parameters))
    device = first.device
    n = 0
    for p in parameters:
        if p.grad is not None and p.grad.device == device:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad.clamp_(-clip_value, clip_value)
    return n
