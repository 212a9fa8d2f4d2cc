# buggy: only the lower bound (clamp_(min=-clip_value))
# expect: one-sided clipping
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(min=-clip_value)
