# correct: in the style of mmcv's OptimizerHook.clip_grads: filter the params, then clip what is left
def clip_grad_value(parameters, clip_value):
    params = list(filter(lambda p: p.requires_grad and p.grad is not None, parameters))
    total = 0
    for param in params:
        grad = param.grad.detach()
        total += int(grad.abs().gt(clip_value).sum())
        grad.clamp_(-clip_value, clip_value)
    return total
