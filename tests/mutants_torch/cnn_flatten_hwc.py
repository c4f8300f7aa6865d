"""SimpleCNN flattens its feature maps in (H, W, C) order, not (C, H, W): the dense weights see them shuffled."""
from impl import *  # noqa: F401,F403
from impl import SimpleCNN as _SimpleCNN
from impl.cnn import PADDING, POOL
from impl import conv2d, max_pool2d, relu

MUTATED = ["SimpleCNN"]
CAUGHT_BY = ["cnn.forward"]


class SimpleCNN(_SimpleCNN):
    def features(self, x):
        x = max_pool2d(relu(conv2d(x, self.c1_w, self.c1_b, padding=PADDING)), POOL)
        x = max_pool2d(relu(conv2d(x, self.c2_w, self.c2_b, padding=PADDING)), POOL)
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
