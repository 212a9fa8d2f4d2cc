# buggy: rescales each gradient so its largest element is clip_value
# fails: clip_value_elements, clip_value_model
# expect: rescaled
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            n += int((p.grad.abs() > clip_value).sum())
            largest = p.grad.abs().max()
            if largest > clip_value:
                p.grad.mul_(clip_value / largest)
    return n
