# buggy: clamps a flattened view and stores it through .data, so p.grad loses its shape
# fails: clip_value_elements, clip_value_model
# expect: flattened
def clip_grad_value(parameters, clip_value):
    n = 0
    for p in parameters:
        if p.grad is not None:
            flat = p.grad.data.reshape(-1)
            n += int((flat.abs() > clip_value).sum())
            p.grad.data = flat.clamp(-clip_value, clip_value)
    return n
