# correct: in the style of optax.clip: a pure function of the grads, then the results put back in .grad
def clip_grad_value(parameters, clip_value):
    params = [p for p in parameters if p.grad is not None]
    grads = [p.grad for p in params]
    updates = [g.clamp(-clip_value, clip_value) for g in grads]
    count = sum(int((u != g).sum()) for u, g in zip(updates, grads))
    for p, u in zip(params, updates):
        p.grad = u
    return count
