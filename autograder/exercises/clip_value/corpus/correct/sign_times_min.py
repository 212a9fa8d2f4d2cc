# correct: sign(g) * min(|g|, clip_value), copied back
def clip_grad_value(parameters, clip_value):
    count = 0
    for p in parameters:
        if p.grad is not None:
            magnitude = p.grad.abs()
            count += int((magnitude > clip_value).sum())
            p.grad.copy_(p.grad.sign() * magnitude.clamp(max=clip_value))
    return count
