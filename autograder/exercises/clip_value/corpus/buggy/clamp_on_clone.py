# buggy: clamps a clone of the gradient
# fails: clip_value_elements, clip_value_model
# expect: still holds its old values
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            g = p.grad.clone()
            n += int((g.abs() > clip_value).sum())
            g.clamp_(-clip_value, clip_value)
    return n
