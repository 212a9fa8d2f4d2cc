# correct: filter() over the generator, then clamp_ twice
def clip_grad_value(parameters, clip_value):
    for p in filter(lambda q: q.grad is not None, parameters):
        p.grad.clamp_(min=-clip_value).clamp_(max=clip_value)
