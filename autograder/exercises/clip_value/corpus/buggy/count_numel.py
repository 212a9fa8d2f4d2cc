# buggy: returns the number of gradient elements, clipped or not
# fails: clip_value_elements
# expect: counts every element
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(-clip_value, clip_value)
            n += p.grad.numel()
    return n
