# buggy: clamps |g|, losing the sign
# fails: clip_value_elements, clip_value_model
# expect: sign was lost
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad = p.grad.abs().clamp(max=clip_value)
    return n
