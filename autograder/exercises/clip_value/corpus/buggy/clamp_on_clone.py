# buggy: clamps a clone of the gradient
# expect: not clipped in place
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            g = p.grad.clone()
            g.clamp_(-clip_value, clip_value)
