# correct: grad data reassign
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.data = p.grad.data.clamp(min=-clip_value, max=clip_value)
