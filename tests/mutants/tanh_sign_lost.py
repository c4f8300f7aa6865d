"""The overflow-free tanh (1 - e^-2|z|) / (1 + e^-2|z|) without multiplying back the sign of z."""
from impl import *  # noqa: F401,F403

MUTATED = ["tanh"]
CAUGHT_BY = ["act.tanh.values", "act.tanh.odd"]


def tanh(z):
    e = (-2 * z.abs()).exp()
    return (1 - e) / (1 + e)
