# buggy: p.grad[:] = ... (a 0-dim gradient cannot be sliced)
# fails: clip_value_elements
# expect: 0-dim gradient
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad[:] = p.grad.clamp(-clip_value, clip_value)
    return n
