# buggy: return inside the loop, so only the first parameter is clipped
# fails: clip_value_elements, clip_value_model
# expect: only the first parameter
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad.clamp_(-clip_value, clip_value)
            return n
    return n
