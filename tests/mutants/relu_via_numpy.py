"""ReLU computed in numpy and wrapped in a new Tensor: right values, but the graph is cut."""
import numpy as np
from tinygrad import Tensor

from impl import *  # noqa: F401,F403

MUTATED = ["relu"]
CAUGHT_BY = ["act.relu.gradient", "act.relu.kink"]


def relu(z):
    return Tensor(np.maximum(z.numpy(), 0))
