# correct: boolean-index assignment under torch.no_grad()
import torch


def clip_grad_value(parameters, clip_value):
    with torch.no_grad():
        for p in parameters:
            if p.grad is None:
                continue
            p.grad[p.grad > clip_value] = clip_value
            p.grad[p.grad < -clip_value] = -clip_value
