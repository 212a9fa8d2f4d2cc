# correct: list(parameters) once, then two passes over the list
def clip_grad_value(parameters, clip_value):
    params = [p for p in list(parameters) if p.grad is not None]
    if not params:
        return
    for p in params:
        p.grad.clamp_(-clip_value, clip_value)
