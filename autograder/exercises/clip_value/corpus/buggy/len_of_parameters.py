# buggy: len(parameters) to size a buffer: a generator has no len()
# fails: clip_value_model
# expect: can be iterated only once
def clip_grad_value(parameters, clip_value):
    counts = [0] * len(parameters)
    for i, p in enumerate(parameters):
        if p.grad is not None:
            counts[i] = int((p.grad.abs() > clip_value).sum())
            p.grad.clamp_(-clip_value, clip_value)
    return sum(counts)
