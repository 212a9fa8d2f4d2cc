# buggy: the counter is reset inside the loop over parameters
# fails: clip_value_elements
# expect: restarts for every parameter
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        n = 0
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad.clamp_(-clip_value, clip_value)
    return n
