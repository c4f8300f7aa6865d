"""sigmoid with the exponent's sign flipped: 1 / (1 + e^z)."""
from impl import *  # noqa: F401,F403

MUTATED = ["sigmoid"]
CAUGHT_BY = ["act.sigmoid.values", "act.sigmoid.vanishing_gradient"]


def sigmoid(z):
    return 1 / (1 + z.exp())
