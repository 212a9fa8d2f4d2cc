# correct: clamp_min_ then clamp_max_
def clip_grad_value(parameters, clip_value):
    for param in parameters:
        if param.grad is not None:
            param.grad.clamp_min_(-clip_value).clamp_max_(clip_value)
