# buggy: returns clipped copies and leaves p.grad unchanged
# fails: clip_value_elements, clip_value_model
# expect: still holds its old values
def clip_grad_value(parameters, clip_value):
    return [p.grad.clamp(-clip_value, clip_value) for p in parameters if p.grad is not None]
