"""Section 15 of the guide, Project 4 (spec/s15_projects.toml): Adam is the implementation's own code, not a
built-in optimizer (its numbers are section 10's items). Never imports the implementation.
"""
import numpy as np
import pytest
from aifund.remote import Tensor

from aifund.kit.calltrace import calls_into
from aifund.kit.check import require

spec = pytest.mark.spec


# ------------------------------------------------------------------ Project 4: Adam is the implementation's own
@spec("p4.adam.own_code")
def test_adam_is_own_code(impl):
    def run():
        w = Tensor(np.ones((3, 2), np.float32))
        opt = impl.Adam([w], lr=0.1)
        for _ in range(2):
            w.grad = Tensor(np.ones((3, 2), np.float32))
            opt.step()
        return w.numpy()
    _, called = calls_into(run, ("tinygrad.nn.optim", "torch.optim"))
    require(not called, f"Project 4 asks for Adam without a built-in optimizer, but Adam called {', '.join(called[:5])}")

