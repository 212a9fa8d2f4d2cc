# buggy: clamps into [0, clip_value]
# expect: [0, clip_value]
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(0, clip_value)
