# buggy: rounded bound
def clip_grad_value(parameters, clip_value):
    bound = round(clip_value)
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(-bound, bound)
