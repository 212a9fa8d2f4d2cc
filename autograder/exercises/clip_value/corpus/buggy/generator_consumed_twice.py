# buggy: counts in a first pass over parameters, clamps in a second (a generator is empty then)
# fails: clip_value_model
# expect: can be iterated only once
def clip_grad_value(parameters, clip_value):
    n = sum(int((p.grad.abs() > clip_value).sum()) for p in parameters if p.grad is not None)
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(-clip_value, clip_value)
    return n
