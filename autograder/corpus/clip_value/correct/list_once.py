# correct: list once
def clip_grad_value(parameters, clip_value):
    params = [p for p in list(parameters) if p.grad is not None]
    for p in params:
        p.grad.clamp_(-clip_value, clip_value)
