# buggy: a hook that already calls clamp_ (the hook style of the PyTorch forums)
# fails: clip_value_elements, clip_value_model
# expect: deferred to a hook
def clip_grad_value(parameters, clip_value):
    count = 0
    for p in parameters:
        if p.grad is not None and p.requires_grad:
            count += int((p.grad.abs() > clip_value).sum())
            p.register_hook(lambda g: g.clamp_(-clip_value, clip_value))
    return count
