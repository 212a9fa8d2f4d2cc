# buggy: views p.grad as (len(p.grad), -1) (a 0-dim gradient has no len)
# fails: clip_value_elements
# expect: 0-dim gradient
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad.view(len(p.grad), -1)
        n += int((g.abs() > clip_value).sum())
        g.clamp_(-clip_value, clip_value)
    return n
