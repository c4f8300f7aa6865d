"""load_weights that checks every array the model needs and ignores any the file has beyond them: a file
for a larger model loads into a smaller one without a word."""
import numpy as np
from tinygrad import Tensor

from impl import *  # noqa: F401,F403
from impl.weights import WeightsError, read_weights

MUTATED = ["load_weights"]
CAUGHT_BY = ["p6.weights.refuses_bad_files"]


def load_weights(model, path):
    arrays = read_weights(path)
    params = model.parameters()
    if len(arrays) < len(params):
        raise WeightsError(f"{path}: holds {len(arrays)} arrays, the model has {len(params)} parameters")
    for a, p in zip(arrays, params):
        if a.shape != tuple(p.shape) or a.dtype != np.dtype(p.dtype.fmt):
            raise WeightsError(f"{path}: an array does not fit")
    for a, p in zip(arrays, params):
        p.assign(Tensor(a, dtype=p.dtype)).realize()
