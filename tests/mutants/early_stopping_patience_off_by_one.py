"""EarlyStopping that waits one call too many (bad_calls > patience)."""
from impl import *  # noqa: F401,F403
from impl import EarlyStopping as _EarlyStopping

MUTATED = ["EarlyStopping"]
CAUGHT_BY = ["early.guide_example", "early.reference"]


class EarlyStopping(_EarlyStopping):
    def step(self, val_loss):
        super().step(val_loss)
        return self.bad_calls > self.patience
