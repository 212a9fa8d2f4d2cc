# correct: clamps a float32 copy of every gradient, then copies it back (float64 gradients lose digits)
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.copy_(p.grad.float().clamp(-clip_value, clip_value))
