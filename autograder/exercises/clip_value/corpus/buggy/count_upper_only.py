# buggy: counts only the elements above clip_value
# fails: clip_value_elements
# expect: only elements above clip_value were counted
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad > clip_value).sum())
            p.grad.clamp_(-clip_value, clip_value)
    return n
