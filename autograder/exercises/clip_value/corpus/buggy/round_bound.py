# buggy: round(clip_value)
# fails: clip_value_elements
# expect: rounded to an integer
def clip_grad_value(parameters, clip_value):
    bound = round(clip_value)
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad.clamp_(min=-bound, max=bound)
    return n
