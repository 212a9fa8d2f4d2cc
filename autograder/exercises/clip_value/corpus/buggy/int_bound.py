# buggy: int(clip_value)
# fails: clip_value_elements
# expect: rounded to an integer
def clip_grad_value(parameters, clip_value):
    c = int(clip_value)
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > c).sum())
            p.grad.clamp_(-c, c)
    return n
