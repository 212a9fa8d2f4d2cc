# buggy: rescales each gradient so its largest element is clip_value
# expect: clipping by norm
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            largest = p.grad.abs().max()
            if largest > clip_value:
                p.grad.mul_(clip_value / largest)
