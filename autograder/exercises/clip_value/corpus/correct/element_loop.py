# correct: a python loop over the elements with comparisons (slow)
def clip_grad_value(parameters, clip_value):
    count = 0
    for p in parameters:
        if p.grad is None:
            continue
        flat = p.grad.view(-1)
        for i in range(flat.numel()):
            if flat[i] > clip_value:
                flat[i] = clip_value
                count += 1
            elif flat[i] < -clip_value:
                flat[i] = -clip_value
                count += 1
    return count
