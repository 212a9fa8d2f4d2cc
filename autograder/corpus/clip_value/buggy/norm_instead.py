# buggy: norm instead
import torch

def clip_grad_value(parameters, clip_value):
    torch.nn.utils.clip_grad_norm_(parameters, clip_value)
