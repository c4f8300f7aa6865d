"""parameter_count that forgets the biases: Σ n_in * n_out."""
from impl import *  # noqa: F401,F403

MUTATED = ["parameter_count"]
CAUGHT_BY = ["param_count.formula", "param_count.guide_example", "param_count.matches_mlp"]


def parameter_count(layers):
    return sum(a * b for a, b in zip(layers, layers[1:]))
