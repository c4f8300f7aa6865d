"""Section 11 of the guide: the training loop (spec/s11_training_loop.toml)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from aifund.remote import Tensor

from aifund.kit.check import require, tensor_result
from aifund.kit.models import random_params, mlp_with
from aifund.kit.strategies import one_hot, seeds

spec = pytest.mark.spec


@spec("loop.zero_grad")
@given(seed=seeds)
def test_zero_grad(impl, seed):
    rng = np.random.default_rng(seed)
    w = Tensor(rng.standard_normal((3, 2)))
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    opt = impl.SGD([w], lr=0.0)
    (Tensor(a) @ w).sum().backward()
    (Tensor(b) @ w).sum().backward()            # no zero_grad: tinygrad adds the two gradients
    accumulated = w.grad.numpy()
    expected_sum = (a.sum(0) + b.sum(0))[:, None] * np.ones((1, 2))
    require(np.allclose(accumulated, expected_sum), "backward() twice should accumulate the two gradients in tinygrad")
    opt.zero_grad()
    (Tensor(b) @ w).sum().backward()
    fresh = tensor_result(w.grad, what="w.grad", shape=(3, 2), dtype=np.float64)
    require(np.allclose(fresh, b.sum(0)[:, None] * np.ones((1, 2)), rtol=1e-12),
            "after zero_grad(), the next backward() should give that batch's gradient alone; "
            f"got {fresh.ravel()[:3]}..., which still contains the previous batch's")


@spec("loop.one_iteration")
@given(sizes=st.sampled_from([[4, 8, 3], [6, 5, 5, 2]]), seed=seeds)
def test_one_iteration(impl, sizes, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, sizes[0])).astype(np.float32)
    y = one_hot(rng.integers(0, sizes[-1], 16), sizes[-1])
    model = mlp_with(impl, sizes, random_params(sizes, rng))
    params = model.parameters()
    before_values = [p.numpy().copy() for p in params]
    opt = impl.SGD(params, lr=0.05)
    loss = impl.categorical_cross_entropy(model(Tensor(x)), Tensor(y))     # 1-2. forward pass, loss
    before = float(loss.numpy())
    opt.zero_grad()                                                          # 3. zero gradients
    loss.backward()                                                          # 4. backward pass
    opt.step()                                                               # 5. update
    after = float(impl.categorical_cross_entropy(model(Tensor(x)), Tensor(y)).numpy())
    changed = [not np.array_equal(p.numpy(), v) for p, v in zip(params, before_values)]
    require(any(changed), "one step of the loop left every parameter unchanged")
    require(after < before, f"one iteration of the loop (SGD, lr 0.05) raised the loss on its batch: {before:.6g} -> {after:.6g}")
