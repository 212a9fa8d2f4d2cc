# correct: a list made once; the count is the number of elements that clamping changed
def clip_grad_value(parameters, clip_value):
    params = list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    before = [g.clone() for g in grads]
    for g in grads:
        g.clamp_(-clip_value, clip_value)
    return sum(int((b != g).sum()) for b, g in zip(before, grads))
