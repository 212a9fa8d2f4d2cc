# buggy: generator consumed twice
def clip_grad_value(parameters, clip_value):
    if len(list(parameters)) == 0:
        return
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(-clip_value, clip_value)
