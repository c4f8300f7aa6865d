"""Section 11/13 of the guide: stop when the validation loss stops improving."""
import math


class EarlyStopping:
    """``step(val_loss)`` once per epoch; True once ``patience`` calls in a row brought no improvement
    larger than ``min_delta`` over the best loss so far. A loss that is not finite (inf, -inf, NaN) is
    never an improvement, not even at the first call."""

    def __init__(self, patience: int, min_delta: float = 0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = math.inf
        self.best_epoch = -1
        self.calls = 0
        self.bad_calls = 0

    def step(self, val_loss: float) -> bool:
        epoch = self.calls
        self.calls += 1
        if math.isfinite(val_loss) and val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.bad_calls = float(val_loss), epoch, 0
        else:
            self.bad_calls += 1
        return self.bad_calls >= self.patience
