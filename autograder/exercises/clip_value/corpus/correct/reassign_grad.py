# correct: p.grad = p.grad.clamp(...) (a new tensor assigned to .grad)
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is None:
            continue
        p.grad = p.grad.clamp(-clip_value, clip_value)
