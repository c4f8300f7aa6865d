"""EarlyStopping that takes its first loss as the best whatever it is: an inf or NaN first loss becomes
best_loss at epoch 0 (and after a NaN nothing ever improves again)."""
from impl import *  # noqa: F401,F403
from impl import EarlyStopping as _EarlyStopping

MUTATED = ["EarlyStopping"]
CAUGHT_BY = ["early.reference"]


class EarlyStopping(_EarlyStopping):
    def step(self, val_loss):
        if self.calls == 0:
            self.calls, self.best_loss, self.best_epoch, self.bad_calls = 1, float(val_loss), 0, 0
            return self.patience <= 0
        epoch = self.calls
        self.calls += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.bad_calls = float(val_loss), epoch, 0
        else:
            self.bad_calls += 1
        return self.bad_calls >= self.patience
