# buggy: clips by norm (torch.nn.utils.clip_grad_norm_) and returns its norm
# fails: clip_value_elements, clip_value_model
# expect: rescaled
import torch


def clip_grad_value(parameters, clip_value):
    return torch.nn.utils.clip_grad_norm_(parameters, clip_value)
