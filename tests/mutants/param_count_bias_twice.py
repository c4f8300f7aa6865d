"""parameter_count that counts the bias twice, (n_in + 1) * n_out + n_out: the guide's 201,216 for 784 -> 256."""
from impl import *  # noqa: F401,F403

MUTATED = ["parameter_count"]
CAUGHT_BY = ["param_count.formula", "param_count.guide_example"]


def parameter_count(layers):
    return sum((a + 1) * b + b for a, b in zip(layers, layers[1:]))
