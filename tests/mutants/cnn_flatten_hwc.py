"""SimpleCNN flattening in (H, W, C) order (channels last) where the contract says (C, H, W)."""
from impl import *  # noqa: F401,F403
from impl import SimpleCNN as _SimpleCNN
from impl.activations import relu
from impl.cnn import conv2d as _conv2d, max_pool2d as _max_pool2d

MUTATED = ["SimpleCNN"]
CAUGHT_BY = ["cnn.forward"]


class SimpleCNN(_SimpleCNN):
    def features(self, x):
        x = _max_pool2d(relu(_conv2d(x, self.c1_w, self.c1_b, padding=1)))
        x = _max_pool2d(relu(_conv2d(x, self.c2_w, self.c2_b, padding=1)))
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
