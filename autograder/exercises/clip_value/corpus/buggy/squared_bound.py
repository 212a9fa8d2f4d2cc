# buggy: clamps with clip_value ** 2
# fails: clip_value_elements
# expect: another bound
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad.clamp_(-clip_value ** 2, clip_value ** 2)
    return n
