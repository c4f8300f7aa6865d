"""conv_output_size without the + 1: floor((n + 2p - k) / s)."""
from impl import *  # noqa: F401,F403

MUTATED = ["conv_output_size"]
CAUGHT_BY = ["conv.output_size.values", "conv.output_size.guide_examples"]


def conv_output_size(n, k, p=0, s=1):
    return (n + 2 * p - k) // s
