# correct: p.grad = p.grad.clamp(...) (a new tensor assigned to .grad), counted by a mask first
def clip_grad_value(parameters, clip_value):
    n_clipped = 0
    for p in parameters:
        if p.grad is None:
            continue
        outside = (p.grad > clip_value) | (p.grad < -clip_value)
        n_clipped += outside.sum().item()
        p.grad = p.grad.clamp(-clip_value, clip_value)
    return n_clipped
