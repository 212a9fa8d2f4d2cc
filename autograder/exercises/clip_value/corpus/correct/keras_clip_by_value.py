# correct: in the style of Keras' clipvalue: clip each gradient, count the elements that changed, copy back
import torch


def clip_grad_value(parameters, clip_value):
    changed = 0
    for v in parameters:
        g = v.grad
        if g is None:
            continue
        clipped = torch.clip(g, -clip_value, clip_value)
        changed += int(torch.ne(clipped, g).sum())
        g.copy_(clipped)
    return changed
