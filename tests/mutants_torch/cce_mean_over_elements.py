"""categorical_cross_entropy averaged over every element (samples x classes), not summed over classes."""
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["categorical_cross_entropy"]
CAUGHT_BY = ["loss.cce.values"]


def categorical_cross_entropy(p, y_onehot):
    return -(y_onehot * torch.log(torch.clamp(p, min=1e-7))).mean()
