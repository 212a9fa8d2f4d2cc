# correct: masked_fill_ for each side
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.masked_fill_(p.grad > clip_value, clip_value)
            p.grad.masked_fill_(p.grad < -clip_value, -clip_value)
