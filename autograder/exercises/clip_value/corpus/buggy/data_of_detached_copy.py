# buggy: assigns .data of a detached copy (p.grad itself keeps its values)
# expect: not clipped in place
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            g = p.grad.detach()
            g.data = g.data.clamp(-clip_value, clip_value)
