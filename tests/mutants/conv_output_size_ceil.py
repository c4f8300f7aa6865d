"""conv_output_size rounding up: ceil((n + 2p - k) / s) + 1."""
import math

from impl import *  # noqa: F401,F403

MUTATED = ["conv_output_size"]
CAUGHT_BY = ["conv.output_size.values"]


def conv_output_size(n, k, p=0, s=1):
    return math.ceil((n + 2 * p - k) / s) + 1
