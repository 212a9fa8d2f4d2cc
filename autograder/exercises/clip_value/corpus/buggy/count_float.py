# buggy: returns the count as a float
# fails: clip_value_elements
# expect: not a python int
def clip_grad_value(parameters, clip_value):
    total = 0.0
    for p in parameters:
        if p.grad is not None:
            total += float((p.grad.abs() > clip_value).sum())
            p.grad.clamp_(-clip_value, clip_value)
    return total
