# correct: in the style of the PyTorch DQN tutorial (param.grad.data.clamp_), with a count
def clip_grad_value(parameters, clip_value):
    n = 0
    for param in parameters:
        if param.grad is None:
            continue
        n += (param.grad.data.abs() > clip_value).sum().item()
        param.grad.data.clamp_(-clip_value, clip_value)
    return n
