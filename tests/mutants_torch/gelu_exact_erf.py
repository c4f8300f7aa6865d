"""gelu in its exact erf form z * Phi(z), not the guide's z * sigmoid(1.702 z)."""
import math

import torch

from impl import *  # noqa: F401,F403

MUTATED = ["gelu"]
CAUGHT_BY = ["act.gelu.values"]


def gelu(z):
    return z * 0.5 * (1 + torch.erf(z / math.sqrt(2.0)))
