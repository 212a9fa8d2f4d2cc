# correct: calls torch.nn.utils.clip_grad_value_ itself
import torch


def clip_grad_value(parameters, clip_value):
    torch.nn.utils.clip_grad_value_(parameters, clip_value)
