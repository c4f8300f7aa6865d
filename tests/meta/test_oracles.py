"""The oracles agree with each other and the tolerance policy behaves as documented."""
import numpy as np
import pytest
import torch

from aifund.kit import oracles
from aifund.kit.tolerance import forward_bound, gradient_bound, unit_roundoff

pytestmark = pytest.mark.meta


@pytest.mark.parametrize("name", sorted(oracles.ELEMENTWISE))
def test_numpy_and_torch_oracles_agree(name):
    z = np.concatenate([np.linspace(-30, 30, 601), [0.0, 1e-8, -1e-8]])
    o = oracles.ELEMENTWISE[name]
    np.testing.assert_allclose(o.f(z), o.torch_f(torch.from_numpy(z)).numpy(), rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("name", sorted(oracles.ELEMENTWISE))
def test_oracle_derivative_matches_autograd(name):
    z = np.linspace(-8, 8, 161) + 1e-3  # off the kinks
    t = torch.tensor(z, requires_grad=True)
    oracles.ELEMENTWISE[name].torch_f(t).sum().backward()
    np.testing.assert_allclose(oracles.ELEMENTWISE[name].df(z), t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_loss_oracles_agree_with_torch():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.01, 0.99, (5, 4))
    y = (rng.random((5, 4)) < 0.5) * 1.0
    assert np.isclose(oracles.bce(p, y), oracles.torch_bce(torch.from_numpy(p), torch.from_numpy(y)).item(), rtol=1e-13)
    rows = p / p.sum(1, keepdims=True)
    onehot = np.eye(4)[rng.integers(0, 4, 5)]
    assert np.isclose(oracles.cce(rows, onehot), oracles.torch_cce(torch.from_numpy(rows), torch.from_numpy(onehot)).item())


def test_float32_rounding_of_an_exact_result_is_within_the_bound():
    rng = np.random.default_rng(1)
    z = rng.uniform(-20, 20, 10_000)
    exact = oracles.sigmoid(z)
    assert (np.abs(exact.astype(np.float32) - exact) <= forward_bound(np.float32, oracles.ELEMENTWISE["sigmoid"].scale(z))).all()


def test_bounds_are_far_below_what_a_bug_produces():
    # 8 ulp x 2 for an O(1) elementwise result in float32: ~1e-6, four orders below a 1% error.
    assert forward_bound(np.float32, 1.0) < 1e-6
    assert unit_roundoff(np.float64) < 1.2e-16
    assert gradient_bound(np.array([1.0, 0.0])).max() < 1e-6


def test_gradient_bound_never_collapses_to_zero():
    """backprop.one_layer_by_hand with every unit inactive: the exact gradient is 0, and a correct float64
    implementation may return 1e-17 from terms that cancel. The bound scales with the terms that enter."""
    from aifund.kit.tolerance import term_magnitude
    rng = np.random.default_rng(0)
    x, w, b, y = rng.uniform(-2, 2, (3, 5)), rng.standard_normal((5, 1)), np.array([-50.0]), rng.uniform(-1, 1, (3, 1))
    bound = gradient_bound(np.zeros((5, 1)), magnitude=term_magnitude(x, w, b, y))
    assert (bound >= 1.4e-17).all(), bound
    assert bound.max() < 1e-9, "the floor stays far below any error a wrong formula makes"
