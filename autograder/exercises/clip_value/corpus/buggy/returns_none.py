# buggy: clips right, returns nothing (as torch.nn.utils.clip_grad_value_ does)
# fails: clip_value_elements
# expect: returns nothing
import torch


def clip_grad_value(parameters, clip_value):
    torch.nn.utils.clip_grad_value_(parameters, clip_value)
