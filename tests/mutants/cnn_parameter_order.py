"""SimpleCNN.parameters() listing the fully connected layers before the convolutions."""
from impl import *  # noqa: F401,F403
from impl import SimpleCNN as _SimpleCNN

MUTATED = ["SimpleCNN"]
CAUGHT_BY = ["cnn.parameters"]


class SimpleCNN(_SimpleCNN):
    def parameters(self):
        return [*self.fc1.parameters(), *self.fc2.parameters(), self.c1_w, self.c1_b, self.c2_w, self.c2_b]
