# buggy: upper only
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(max=clip_value)
