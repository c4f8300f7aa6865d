"""load_weights assigns arrays one by one and finds a problem only when it reaches it, half-way through."""
import numpy as np
from tinygrad import Tensor

from impl import *  # noqa: F401,F403

MUTATED = ["load_weights"]
CAUGHT_BY = ["p6.weights.refuses_bad_files"]


def load_weights(model, path):
    with np.load(path) as data:
        for i, p in enumerate(model.parameters()):
            p.assign(Tensor(data[f"p{i}"].astype(np.float32))).realize()
