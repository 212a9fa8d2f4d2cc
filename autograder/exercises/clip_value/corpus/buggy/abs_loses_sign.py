# buggy: clamps |g|, losing the sign
# expect: sign was lost
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad = p.grad.abs().clamp(max=clip_value)
