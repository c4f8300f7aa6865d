"""sigmoid that always computes in float32 (casts its input), losing the caller's dtype."""
from tinygrad import dtypes

from impl import *  # noqa: F401,F403
from impl import sigmoid as _sigmoid

MUTATED = ["sigmoid"]
CAUGHT_BY = ["act.sigmoid.gradient"]


def sigmoid(z):
    return _sigmoid(z.cast(dtypes.float32))
