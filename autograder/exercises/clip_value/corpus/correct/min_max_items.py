# correct: min(max(...)) on python floats, element by element (slow)
def clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            flat = p.grad.view(-1)
            for i in range(len(flat)):
                flat[i] = min(max(flat[i].item(), -clip_value), clip_value)
