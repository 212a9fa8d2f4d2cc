# buggy: p.grad.clamp(...) result discarded
# expect: not clipped in place
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp(-clip_value, clip_value)
