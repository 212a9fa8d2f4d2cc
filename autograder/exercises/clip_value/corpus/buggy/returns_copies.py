# buggy: returns clipped copies and leaves p.grad unchanged
# expect: returned but p.grad was left unchanged
def clip_grad_value(parameters, clip_value):
    return [p.grad.clamp(-clip_value, clip_value) for p in parameters if p.grad is not None]
