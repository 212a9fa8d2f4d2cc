# buggy: min and max swapped (clamp_(clip_value, -clip_value))
# fails: clip_value_elements, clip_value_model
# expect: min and max swapped
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            p.grad.clamp_(clip_value, -clip_value)
    return n
