# buggy: round(clip_value)
# expect: rounding the bound
def clip_grad_value(parameters, clip_value):
    bound = round(clip_value)
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(min=-bound, max=bound)
