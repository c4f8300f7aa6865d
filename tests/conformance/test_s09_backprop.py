"""Section 9 of the guide: backpropagation (spec/s09_backprop.toml)."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from aifund.remote import Tensor

from aifund.kit import oracles
from aifund.kit.check import assert_close, require, tensor_result
from aifund.kit.gradients import GRAD_POLICY, check_gradients, realize_together
from aifund.kit.models import away_from_kinks, mlp_with, neuron_with, random_params
from aifund.kit.strategies import one_hot, seeds
from aifund.kit.tolerance import gradient_bound, term_magnitude

spec = pytest.mark.spec
sizes = st.sampled_from([1, 2, 3, 5])
architectures = st.lists(st.sampled_from([2, 3, 5]), min_size=2, max_size=4)


@spec("backprop.one_layer_by_hand")
@given(n=sizes, batch=sizes, seed=seeds)
def test_one_layer_by_hand(impl, n, batch, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-2, 2, (batch, n)), rng.uniform(-1, 1, (batch, 1))
    w, b = away_from_kinks(x, [rng.standard_normal((n, 1)), rng.standard_normal(1)], rng)
    xt, wt, bt = Tensor(x), Tensor(w), Tensor(b)
    loss = impl.mse(neuron_with(impl, wt, bt)(xt), Tensor(y))
    loss.backward()
    # The guide's chain rule, step by step (N = number of elements of a).
    z = x @ w + b
    a = np.maximum(z, 0)
    dL_da = 2 * (a - y) / a.size
    dL_dz = dL_da * (z > 0)
    expected = {"w": x.T @ dL_dz, "b": dL_dz.sum(0), "x": dL_dz @ w.T}
    inputs, call = {"x": x, "w": w, "b": b, "y": y}, "impl.mse(neuron(x), y)  # then .backward()"
    grads = {name: tensor.grad for name, tensor in (("w", wt), ("b", bt), ("x", xt))}
    for name, g in grads.items():
        require(g is not None, f"after mse(neuron(x), y).backward(), {name}.grad is None", inputs=inputs, call=call)
    realize_together(list(grads.values()))
    for name, g in grads.items():
        got = tensor_result(g, what=f"{name}.grad", shape=expected[name].shape, dtype=np.float64)
        assert_close(got, expected[name], gradient_bound(expected[name], magnitude=term_magnitude(x, w, b, y)),
                     what=f"dL/d{name}",
                     against="the guide's hand-derived backward pass", policy=GRAD_POLICY, inputs=inputs, call=call)


@spec("backprop.mlp.gradient")
@given(sizes=architectures, batch=st.sampled_from([1, 3]), seed=seeds)
def test_mlp_gradient(impl, sizes, batch, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (batch, sizes[0]))
    y = one_hot(rng.integers(0, sizes[-1], batch), sizes[-1], np.float64)
    params = away_from_kinks(x, random_params(sizes, rng, np.float64), rng)
    names = [f"{kind}{i // 2 + 1}" for i, kind in enumerate(["w", "b"] * (len(params) // 2))]
    inputs = dict(zip(names, params))

    mlp = impl.MLP(list(sizes))   # one object; its layers' w and b are set before each call

    def build(*ps):
        return impl.categorical_cross_entropy(mlp_with(impl, sizes, list(ps), mlp)(Tensor(x)), Tensor(y))

    def torch_build(*ps):
        p = oracles.torch_mlp(torch.from_numpy(x), list(ps))
        return oracles.torch_cce(p, torch.from_numpy(y))

    check_gradients(build, torch_build, inputs, what=f"categorical_cross_entropy(MLP({sizes})(x), y)",
                    call=f"impl.categorical_cross_entropy(mlp(x), y)  # MLP({sizes}) with chosen weights", seed=seed)


@spec("backprop.descent_step")
@given(sizes=architectures, seed=seeds)
def test_descent_step(impl, sizes, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (8, sizes[0]))
    y = one_hot(rng.integers(0, sizes[-1], 8), sizes[-1], np.float64)
    arrays = random_params(sizes, rng, np.float64)
    params = [Tensor(p) for p in arrays]
    loss = impl.categorical_cross_entropy(mlp_with(impl, sizes, params)(Tensor(x)), Tensor(y))
    before = float(tensor_result(loss, what="loss", shape=(), dtype=np.float64))
    loss.backward()
    handles = [p.grad for p in params]
    realize_together(handles)
    grads = [tensor_result(g, what="grad", shape=a.shape, dtype=np.float64) for g, a in zip(handles, arrays)]
    g2 = sum(float((g * g).sum()) for g in grads)
    if g2 < 1e-20:
        return  # a flat point: nothing to descend (the property holds vacuously)
    alpha = 1e-4 / max(1.0, g2)
    stepped = [a - alpha * g for a, g in zip(arrays, grads)]
    after = float(impl.categorical_cross_entropy(mlp_with(impl, sizes, stepped)(Tensor(x)), Tensor(y)).numpy())
    # First order: L drops by alpha |g|^2; the second-order remainder is far smaller at this step size.
    require(after < before and abs((before - after) - alpha * g2) <= 0.1 * alpha * g2,
            f"one step W <- W - α dL/dW (α = {alpha:.3g}) changed the loss from {before:.12g} to {after:.12g}; "
            f"first order predicts a drop of α|g|² = {alpha * g2:.3g}")


@spec("backprop.autograd_example")
def test_autograd_example():
    from tinygrad import Tensor  # tinygrad itself, in the kit's process: this item checks the guide's claim about it
    x, w, b = Tensor([2.0]), Tensor([3.0]), Tensor([1.0])
    z = x * w + b
    loss = z.pow(2).mean()
    loss.backward()
    assert loss.item() == 49.0
    assert (w.grad.item(), x.grad.item(), b.grad.item()) == (28.0, 42.0, 14.0)
    x = Tensor([2.0])
    (x * x + x).sum().backward()
    assert x.grad.item() == 5.0
