# correct: filter() over the generator, clamp_min_ then clamp_max_, the count from a python sum
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in filter(lambda q: q.grad is not None, parameters):
        n += sum(1 for v in p.grad.flatten().tolist() if abs(v) > clip_value)
        p.grad.clamp_min_(-clip_value).clamp_max_(clip_value)
    return n
