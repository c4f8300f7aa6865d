"""softmax without subtracting the maximum: e^z overflows to inf for z > 88 in float32."""
from impl import *  # noqa: F401,F403

MUTATED = ["softmax"]
CAUGHT_BY = ["act.softmax.stability", "act.softmax.sums_to_one", "act.softmax.shift_invariance"]


def softmax(z, axis=-1):
    e = z.exp()
    return e / e.sum(axis=axis, keepdim=True)
