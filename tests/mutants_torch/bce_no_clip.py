"""binary_cross_entropy without clipping p: log(0) makes the loss inf (or NaN) at p = 0 or 1."""
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["binary_cross_entropy"]
CAUGHT_BY = ["loss.bce.extremes"]


def binary_cross_entropy(p, y):
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
