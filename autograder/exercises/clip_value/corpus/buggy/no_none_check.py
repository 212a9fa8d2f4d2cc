# buggy: no check for p.grad is None
# expect: skip p.grad is None
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        p.grad.clamp_(-clip_value, clip_value)
