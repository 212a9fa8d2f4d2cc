# buggy: only the upper bound (clamp_(max=clip_value))
# fails: clip_value_elements, clip_value_model
# expect: only the upper bound
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad.clamp_(max=clip_value)
    return n
