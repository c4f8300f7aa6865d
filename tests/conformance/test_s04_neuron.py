"""Section 4 of the guide: the neuron (spec/s04_neuron.toml)."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from aifund.remote import Tensor

from aifund.kit import oracles
from aifund.kit.check import assert_close, require, tensor_result
from aifund.kit.effects import check_layer_is_live, parameters_read_back
from aifund.kit.gradients import check_gradients
from aifund.kit.models import away_from_kinks, neuron_with
from aifund.kit.strategies import GUIDE_BATCH, seeds
from aifund.kit.tolerance import forward_bound

spec = pytest.mark.spec
sizes = st.sampled_from([1, 2, 3, 5, 8])


@spec("neuron.shapes")
@given(n=sizes, batch=sizes)
def test_neuron_shapes(impl, n, batch):
    neuron = impl.Neuron(n)
    for name, shape in (("w", (n, 1)), ("b", (1,))):
        value = getattr(neuron, name, None)
        require(value is not None, f"Neuron({n}) has no attribute {name}")
        tensor_result(value, what=f"Neuron({n}).{name}", shape=shape, dtype=np.float32)
    x = np.ones((batch, n), np.float32)
    tensor_result(neuron(Tensor(x)), what=f"Neuron({n})(x)", shape=(batch, 1), dtype=np.float32,
                  inputs={"x": x}, call=f"impl.Neuron({n})(x)")


@spec("neuron.parameters")
def test_neuron_parameters(impl):
    # By effect, never by the worker's handle numbers: written through parameters(), read through neuron.w and
    # neuron.b and the neuron's output; stepped through parameters(), seen in the output (kit/effects.py).
    rng = np.random.default_rng(4)
    neuron = impl.Neuron(3)
    parameters_read_back(neuron, "neuron", [(3, 1), (1,)])
    x = rng.uniform(0.5, 2.0, (5, 3)).astype(np.float32)
    w, b = rng.uniform(0.5, 1.5, (3, 1)).astype(np.float32), rng.uniform(0.5, 1.0, 1).astype(np.float32)
    check_layer_is_live(neuron, "neuron", x, w, b, relu=True, rng=rng)


@spec("neuron.forward")
@given(n=sizes, batch=sizes, seed=seeds, guide_batch=st.sampled_from([GUIDE_BATCH, 2 * GUIDE_BATCH]))
def test_neuron_forward(impl, n, batch, seed, guide_batch):
    # Also one neuron on a batch of MNIST images (784 features), as the guide's first model sees them.
    for n, batch in ((n, batch), (784, guide_batch)):
        neuron_forward(impl, n, batch, seed)


def neuron_forward(impl, n, batch, seed):
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    x = rng.uniform(-5, 5, (batch, n)).astype(np.float32)
    w = rng.standard_normal((n, 1)).astype(np.float32)
    b = rng.standard_normal(1).astype(np.float32)
    call = "neuron(x)  # with neuron.w = w, neuron.b = b"
    inputs = {"x": x, "w": w, "b": b}
    got = tensor_result(neuron_with(impl, w, b)(Tensor(x)), what="neuron(x)", shape=(batch, 1), dtype=np.float32,
                        inputs=inputs, call=call)
    x64, w64, b64 = (a.astype(np.float64) for a in (x, w, b))
    bound = forward_bound(np.float32, oracles.linear_scale(x64, w64, b64), n_terms=n + 1)
    expected = np.maximum(oracles.linear(x64, w64, b64), 0)
    assert_close(got, expected, bound, what="neuron(x)", against="relu(x @ w + b) in float64",
                 policy="float32 sum of products", inputs=inputs, call=call)
    expected_torch = torch.relu(torch.from_numpy(x64) @ torch.from_numpy(w64) + torch.from_numpy(b64)).numpy()
    assert_close(got, expected_torch, bound, what="neuron(x)", against="PyTorch (float64)",
                 policy="float32 sum of products", inputs=inputs, call=call)


@spec("neuron.gradient")
@given(n=sizes, batch=sizes, seed=seeds)
def test_neuron_gradient(impl, n, batch, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (batch, n))
    w, b = away_from_kinks(x, [rng.standard_normal((n, 1)), rng.standard_normal(1)], rng)
    neuron = impl.Neuron(n)   # one object; w and b are set on it before each call
    check_gradients(lambda x, w, b: neuron_with(impl, w, b, neuron)(x),
                    lambda x, w, b: torch.relu(x @ w + b), {"x": x, "w": w, "b": b},
                    what="neuron(x)", call="neuron(x)  # with neuron.w = w, neuron.b = b", seed=seed)


@spec("neuron.tumor_example")
def test_neuron_tumor_example(impl):
    x = np.array([[3.5, 45.0]], np.float32)
    neuron = neuron_with(impl, np.array([[0.8], [0.3]], np.float32), np.array([-2.0], np.float32))
    z = tensor_result(neuron(Tensor(x)), what="neuron(x)", shape=(1, 1), dtype=np.float32)
    require(abs(float(z[0, 0]) - 14.3) <= 1e-5 * 14.3 * 4,
            f"the guide's example gives z = 0.8*3.5 + 0.3*45 - 2.0 = 14.3; the neuron returned {z[0, 0]!r}")
    a = tensor_result(impl.sigmoid(Tensor(np.array([14.3], np.float32))), what="sigmoid(14.3)", shape=(1,),
                      dtype=np.float32)
    require(0.9999 < float(a[0]) <= 1.0, f"sigmoid(14.3) = {a[0]!r}; the guide says ≈ 0.9999 (exactly 0.99999938)")
