"""sigmoid computed in numpy and wrapped back into a new Tensor: right values, no path for the gradient."""
import numpy as np
import torch

from impl import *  # noqa: F401,F403

MUTATED = ["sigmoid"]
CAUGHT_BY = ["act.sigmoid.gradient"]


def sigmoid(z):
    a = z.detach().numpy()
    return torch.from_numpy(1 / (1 + np.exp(-np.clip(a, -80, 80))))
