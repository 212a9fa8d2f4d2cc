# buggy: iterates parameters twice (a generator is empty the second time)
# expect: consumed twice
def clip_grad_value(parameters, clip_value):
    grads = [p.grad for p in parameters if p.grad is not None]
    if len(grads) == 0:
        return
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(-clip_value, clip_value)
