# buggy: writes a float32 result into p.grad.data (bfloat16 and float64 gradients change dtype)
# fails: clip_value_elements
# expect: the gradient was converted
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            g = p.grad.data.float()
            n += int((g.abs() > clip_value).sum())
            p.grad.data = g.clamp(-clip_value, clip_value)
    return n
