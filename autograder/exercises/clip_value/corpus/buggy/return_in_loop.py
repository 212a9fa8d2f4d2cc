# buggy: return inside the loop, so only the first parameter is clipped
# expect: only the first parameter was clipped
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            p.grad.clamp_(-clip_value, clip_value)
            return
