"""Section 7 of the guide: the forward pass (spec/s07_forward.toml)."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from aifund.remote import Tensor

from aifund.kit import oracles
from aifund.kit.check import assert_close, require, tensor_result
from aifund.kit.models import mlp_with, random_params
from aifund.kit.strategies import GUIDE_BATCH, guide_shapes, seeds
from aifund.kit.tolerance import composite_bound, forward_bound

spec = pytest.mark.spec
architectures = st.lists(st.sampled_from([1, 2, 3, 5, 8]), min_size=2, max_size=4).filter(lambda s: s[-1] > 1)
# Each example also runs the guide's MLP (784-256-128-10) on a batch of 64, with weights from its seed.
guide_mlp = guide_shapes("mlp")


@spec("fwd.mlp.layer_by_layer")
@given(sizes=architectures, batch=st.sampled_from([1, 3, 8]), seed=seeds, guide=guide_mlp)
def test_mlp_layer_by_layer(impl, sizes, batch, seed, guide):
    for sizes, batch in ((sizes, batch), (list(guide), GUIDE_BATCH)):
        mlp_layer_by_layer(impl, sizes, batch, seed)


def mlp_layer_by_layer(impl, sizes, batch, seed):
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, (batch, sizes[0])).astype(np.float32)
    params = random_params(sizes, rng)
    inputs = {"x": x}
    call = f"mlp(x)  # mlp = impl.MLP({sizes}) with chosen weights"
    got = tensor_result(mlp_with(impl, sizes, params)(Tensor(x)), what=f"MLP({sizes})(x)",
                        shape=(batch, sizes[-1]), dtype=np.float32, inputs=inputs, call=call)
    p64 = [p.astype(np.float64) for p in params]
    expected, scale = oracles.mlp_forward(x.astype(np.float64), p64)
    bound = forward_bound(np.float32, scale)
    policy = "float32, per-layer rounding propagated through the layers"
    if sizes[0] > 100:
        # At the guide's widths the propagated worst case allows anything (a median of 0.16 on probabilities for
        # 784-256-128-10), so the whole-network rule of the policy applies, as for SimpleCNN.
        bound, policy = np.minimum(bound, composite_bound(np.float32, expected)), \
            "float32 whole network: torch.testing's table, rtol 1.3e-6, atol 1e-5"
    assert_close(got, expected, bound, what=f"MLP({sizes})(x)", against="softmax(relu(... x W1 + b1 ...) Wk + bk) in float64",
                 policy=policy, inputs=inputs, call=call)
    expected_torch = oracles.torch_mlp(torch.from_numpy(x.astype(np.float64)), [torch.from_numpy(p) for p in p64])
    assert_close(got, expected_torch.numpy(), bound, what=f"MLP({sizes})(x)", against="PyTorch (float64)",
                 policy=policy, inputs=inputs, call=call)


@spec("fwd.mlp.probabilities")
@given(sizes=architectures, seed=seeds, magnitude=st.sampled_from([1.0, 100.0, 1e4]), guide=guide_mlp)
def test_mlp_probabilities(impl, sizes, seed, magnitude, guide):
    for sizes, batch in ((sizes, 4), (list(guide), GUIDE_BATCH)):
        mlp_probabilities(impl, sizes, batch, seed, magnitude)


def mlp_probabilities(impl, sizes, batch, seed, magnitude):
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((batch, sizes[0])) * magnitude).astype(np.float32)
    got = tensor_result(mlp_with(impl, sizes, random_params(sizes, rng))(Tensor(x)), what=f"MLP({sizes})(x)",
                        shape=(batch, sizes[-1]), dtype=np.float32, inputs={"x": x}, call="mlp(x)")
    require(bool(np.isfinite(got).all() and (got >= 0).all() and (got <= 1).all()),
            f"MLP({sizes})(x) has values outside [0, 1] or NaN for inputs of magnitude {magnitude:g}",
            [f"output: {got.ravel()[:8]}"], inputs={"x": x}, call="mlp(x)")
    sums = got.astype(np.float64).sum(-1)
    assert_close(sums, np.ones_like(sums), forward_bound(np.float32, 1.0, n_terms=2 * sizes[-1]),
                 what="the row sums of mlp(x)", against="1", policy="float32, sum of K probabilities",
                 inputs={"x": x}, call="mlp(x)")


@spec("fwd.batch_independence")
@given(sizes=architectures, batch=st.sampled_from([2, 5]), seed=seeds)
def test_batch_independence(impl, sizes, batch, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, (batch, sizes[0])).astype(np.float32)
    params = random_params(sizes, rng)
    mlp = mlp_with(impl, sizes, params)
    together = tensor_result(mlp(Tensor(x)), what="mlp(X)", shape=(batch, sizes[-1]), dtype=np.float32)
    _, scale = oracles.mlp_forward(x.astype(np.float64), [p.astype(np.float64) for p in params])
    for i in range(batch):
        alone = tensor_result(mlp(Tensor(x[i:i + 1])), what=f"mlp(X[{i}:{i + 1}])", shape=(1, sizes[-1]), dtype=np.float32)
        assert_close(together[i:i + 1], alone, 2 * forward_bound(np.float32, scale[i:i + 1]), what=f"row {i} of mlp(X)",
                     against=f"mlp applied to row {i} alone", policy="float32, two evaluations",
                     inputs={"x": x}, call="mlp(x)")
