# correct: sign(g) * min(|g|, clip_value), copied back
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.copy_(p.grad.sign() * p.grad.abs().clamp(max=clip_value))
