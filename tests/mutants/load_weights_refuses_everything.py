"""load_weights that raises on every file: it "refuses" each damaged file, and every good one too."""
from impl import *  # noqa: F401,F403

MUTATED = ["load_weights"]
CAUGHT_BY = ["p6.weights.refuses_bad_files"]


def load_weights(model, path):
    raise ValueError(f"cannot load {path}")
