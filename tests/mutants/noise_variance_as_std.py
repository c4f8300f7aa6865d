"""gaussian_noise that uses std^2 as the scale of the noise."""
from impl import *  # noqa: F401,F403
from impl import gaussian_noise as _gaussian_noise

MUTATED = ["gaussian_noise"]
CAUGHT_BY = ["aug.gaussian_noise"]


def gaussian_noise(img, std, rng):
    return _gaussian_noise(img, std * std, rng)
