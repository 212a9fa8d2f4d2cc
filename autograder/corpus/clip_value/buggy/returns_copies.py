# buggy: returns copies
def clip_grad_value(parameters, clip_value):
    return [p.grad.clamp(-clip_value, clip_value) for p in parameters if p.grad is not None]
