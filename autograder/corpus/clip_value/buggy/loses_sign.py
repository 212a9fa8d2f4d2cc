# buggy: loses sign
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.copy_(p.grad.abs().clamp(max=clip_value))
