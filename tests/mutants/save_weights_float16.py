"""save_weights stores float16 to halve the file: the round trip is no longer exact."""
import numpy as np

from impl import *  # noqa: F401,F403

MUTATED = ["save_weights"]
CAUGHT_BY = ["p6.weights.round_trip"]


def save_weights(model, path):
    with open(path, "wb") as f:
        np.savez(f, **{f"p{i}": p.numpy().astype(np.float16) for i, p in enumerate(model.parameters())})
