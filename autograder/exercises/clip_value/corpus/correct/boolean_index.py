# correct: boolean-index assignment under torch.no_grad(), the masks counted first
import torch


def clip_grad_value(parameters, clip_value):
    count = 0
    with torch.no_grad():
        for p in parameters:
            if p.grad is None:
                continue
            above, below = p.grad > clip_value, p.grad < -clip_value
            count += int(above.sum() + below.sum())
            p.grad[above] = clip_value
            p.grad[below] = -clip_value
    return count
