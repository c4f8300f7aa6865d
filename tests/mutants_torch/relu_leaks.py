"""relu that lets a tenth of a negative input through (a leaky ReLU under ReLU's name)."""
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["relu"]
CAUGHT_BY = ["act.relu.values"]


def relu(z):
    return torch.where(z > 0, z, 0.1 * z)
