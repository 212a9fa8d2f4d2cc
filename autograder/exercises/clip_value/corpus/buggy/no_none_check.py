# buggy: no check for p.grad is None
# fails: clip_value_model
# expect: skip those parameters
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        n += int((p.grad.abs() > clip_value).sum())
        p.grad.clamp_(-clip_value, clip_value)
    return n
