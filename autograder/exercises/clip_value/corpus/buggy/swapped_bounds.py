# buggy: min and max swapped (clamp_(clip_value, -clip_value))
# expect: min and max swapped
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(clip_value, -clip_value)
