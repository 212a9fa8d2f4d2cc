# buggy: only the lower bound (clamp_(min=-clip_value))
# fails: clip_value_elements, clip_value_model
# expect: only the lower bound
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad.clamp_(min=-clip_value)
    return n
