# correct: masked_fill_ for each side, the masks summed
def clip_grad_value(parameters, clip_value):
    total = 0
    for p in parameters:
        if p.grad is not None:
            high, low = p.grad > clip_value, p.grad < -clip_value
            total += int(high.sum()) + int(low.sum())
            p.grad.masked_fill_(high, clip_value)
            p.grad.masked_fill_(low, -clip_value)
    return total
