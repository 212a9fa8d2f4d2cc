# correct: a python loop over p.grad.view(-1) with comparisons (slow)
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is None:
            continue
        flat = p.grad.view(-1)
        for i in range(flat.numel()):
            if flat[i] > clip_value:
                flat[i] = clip_value
            elif flat[i] < -clip_value:
                flat[i] = -clip_value
