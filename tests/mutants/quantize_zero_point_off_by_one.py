"""Asymmetric quantize reports a zero point one more than the one it used for the codes."""
from impl import *  # noqa: F401,F403
from impl.quantize import quantize as _reference

MUTATED = ["quantize"]
CAUGHT_BY = ["p6.quantize.round_trip", "p6.quantize.zero_exact", "p6.quantize.matches_torch"]


def quantize(x, num_bits=8, symmetric=True, axis=None):
    q, scale, zp = _reference(x, num_bits, symmetric, axis)
    return (q, scale, zp) if symmetric else (q, scale, zp + 1)
