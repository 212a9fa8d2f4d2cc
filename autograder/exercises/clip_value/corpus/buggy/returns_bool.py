# buggy: returns whether anything was clipped instead of how many
# fails: clip_value_elements
# expect: no cause
def clip_grad_value(parameters, clip_value):
    clipped = False
    for p in parameters:
        if p.grad is not None:
            clipped = clipped or bool((p.grad.abs() > clip_value).any())
            p.grad.clamp_(-clip_value, clip_value)
    return clipped
