# correct: the reference answer: count the elements beyond the bound, then clamp_ in place
def clip_grad_value(parameters, clip_value):
    clipped = 0
    for p in parameters:
        if p.grad is None:
            continue
        clipped += int((p.grad.abs() > clip_value).sum())
        p.grad.clamp_(min=-clip_value, max=clip_value)
    return clipped
