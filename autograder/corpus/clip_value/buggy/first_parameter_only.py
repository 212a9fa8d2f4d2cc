# buggy: first parameter only
def clip_grad_value(parameters, clip_value):
    p = next(iter(parameters))
    if p.grad is not None:
        p.grad.clamp_(-clip_value, clip_value)
