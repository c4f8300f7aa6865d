"""adjust_contrast that pivots around 0.5 instead of the image's mean."""
import numpy as np

from impl import *  # noqa: F401,F403

MUTATED = ["adjust_contrast"]
CAUGHT_BY = ["aug.brightness_contrast"]


def adjust_contrast(img, factor):
    return np.clip((img - 0.5) * factor + 0.5, 0.0, 1.0).astype(img.dtype)
