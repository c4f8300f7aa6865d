"""dropout that zeroes elements but does not scale the survivors by 1 / (1 - p)."""
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["dropout"]
CAUGHT_BY = ["reg.dropout.survivors"]


def dropout(x, p, training=True):
    if not training or p == 0:
        return x
    return torch.where(torch.rand(x.shape) >= p, x, torch.zeros_like(x))
