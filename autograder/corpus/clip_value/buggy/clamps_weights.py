# buggy: clamps weights
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.data.clamp_(-clip_value, clip_value)
