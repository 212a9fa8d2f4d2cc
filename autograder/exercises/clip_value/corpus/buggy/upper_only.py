# buggy: only the upper bound (clamp_(max=clip_value))
# expect: one-sided clipping
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(max=clip_value)
