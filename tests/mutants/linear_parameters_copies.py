"""Linear.parameters() returning detached copies, so an optimizer would update Tensors nobody uses."""
from impl import *  # noqa: F401,F403
from impl import Linear as _Linear

MUTATED = ["Linear"]
CAUGHT_BY = ["linear.parameters"]


class Linear(_Linear):
    def parameters(self):
        return [self.w.detach(), self.b.detach()]
