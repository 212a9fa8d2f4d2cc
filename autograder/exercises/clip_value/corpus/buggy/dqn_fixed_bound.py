# buggy: the PyTorch DQN tutorial's param.grad.data.clamp_(-1, 1) copied as is: the bound ignores clip_value
# fails: clip_value_elements
# expect: fixed at 1
def clip_grad_value(parameters, clip_value):
    n = 0
    for param in parameters:
        if param.grad is None:
            continue
        n += (param.grad.data.abs() > clip_value).sum().item()
        param.grad.data.clamp_(-1, 1)
    return n
