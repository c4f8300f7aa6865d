"""quantize ignores axis and always returns one scale for the whole tensor (per tensor, not per channel)."""
from impl import *  # noqa: F401,F403
from impl.quantize import quantize as _reference

MUTATED = ["quantize"]
CAUGHT_BY = ["p6.quantize.per_channel"]


def quantize(x, num_bits=8, symmetric=True, axis=None):
    return _reference(x, num_bits, symmetric, None)
