"""sigmoid with the exponent's sign flipped: 1 / (1 + e^z)."""
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["sigmoid"]
CAUGHT_BY = ["act.sigmoid.values"]


def sigmoid(z):
    return 1 / (1 + torch.exp(torch.clamp(z, max=80.0)))
