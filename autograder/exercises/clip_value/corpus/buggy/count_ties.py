# buggy: counts elements with |g| >= clip_value (ties counted)
# fails: clip_value_elements
# expect: equal to -clip_value or clip_value
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() >= clip_value).sum())
            p.grad.clamp_(-clip_value, clip_value)
    return n
