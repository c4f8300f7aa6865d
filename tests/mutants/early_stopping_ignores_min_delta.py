"""EarlyStopping that counts any decrease as an improvement, ignoring min_delta."""
from impl import *  # noqa: F401,F403
from impl import EarlyStopping as _EarlyStopping

MUTATED = ["EarlyStopping"]
CAUGHT_BY = ["early.reference"]


class EarlyStopping(_EarlyStopping):
    def __init__(self, patience, min_delta=0.0):
        super().__init__(patience, 0.0)
