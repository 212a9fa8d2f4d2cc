# buggy: clamps with clip_value ** 2
# expect: expected bound 0.25, got 0.0625
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(-clip_value ** 2, clip_value ** 2)
