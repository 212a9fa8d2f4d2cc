# buggy: clamps p.data (the weights) instead of p.grad
# expect: changed the weights themselves
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.data.clamp_(-clip_value, clip_value)
