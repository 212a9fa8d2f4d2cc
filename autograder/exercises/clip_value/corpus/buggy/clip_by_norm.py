# buggy: clips by norm (torch.nn.utils.clip_grad_norm_) instead of by value
# expect: clipping by norm
import torch


def clip_grad_value(parameters, clip_value):
    torch.nn.utils.clip_grad_norm_(parameters, clip_value)
