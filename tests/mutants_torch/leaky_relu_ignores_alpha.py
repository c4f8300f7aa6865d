"""leaky_relu that always uses the slope 0.01, whatever alpha it is given."""
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["leaky_relu"]
CAUGHT_BY = ["act.leaky_relu.values"]


def leaky_relu(z, alpha=0.01):
    return torch.where(z > 0, z, 0.01 * z)
