"""sigmoid, tanh and softmax 5% too large on any input of more than 600 elements (one batch of 64 MNIST
predictions already has 640): right on every small input, so only a check at the guide's sizes sees it."""
from impl import *  # noqa: F401,F403
from impl import sigmoid as _sigmoid, softmax as _softmax, tanh as _tanh

MUTATED = ["sigmoid", "tanh", "softmax"]
CAUGHT_BY = ["act.sigmoid.values", "act.tanh.values", "act.softmax.values", "act.softmax.sums_to_one",
             "act.softmax.stability"]


def _off_at_scale(out, z):
    return out * 1.05 if z.numel() > 600 else out


def sigmoid(z):
    return _off_at_scale(_sigmoid(z), z)


def tanh(z):
    return _off_at_scale(_tanh(z), z)


def softmax(z, axis=-1):
    return _off_at_scale(_softmax(z, axis), z)
