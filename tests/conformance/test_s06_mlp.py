"""Section 6 of the guide: the layer, the parameter count and the MLP (spec/s06_mlp.toml)."""
from statistics import NormalDist

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from aifund.remote import Tensor, is_instance, type_claim

from aifund.kit import oracles
from aifund.kit.check import assert_close, require, tensor_result
from aifund.kit.effects import (assign_returned, check_layer_is_live, parameters_read_back, require_written,
                                 step_returned)
from aifund.kit.gradients import check_gradients
from aifund.kit.models import linear_with
from aifund.kit.strategies import GUIDE_SHAPES, guide_shapes, seeds
from aifund.kit.tolerance import forward_bound

spec = pytest.mark.spec
sizes = st.sampled_from([1, 2, 3, 5, 8])
layer_lists = st.lists(st.integers(1, 300), min_size=2, max_size=6)
# Each example also checks one of the guide's layers (784->256, 256->128, 128->10) at batch 64, from its seed;
# gradients only at the two smaller ones (float64, a finite-difference pass per input).
guide_layers = guide_shapes("layers")
cheap_guide_layers = st.sampled_from(GUIDE_SHAPES["layers"][1:])


@spec("linear.shapes")
@given(n_in=sizes, n_out=sizes, batch=sizes)
def test_linear_shapes(impl, n_in, n_out, batch):
    layer = impl.Linear(n_in, n_out)
    tensor_result(getattr(layer, "w", None), what=f"Linear({n_in}, {n_out}).w", shape=(n_in, n_out), dtype=np.float32)
    tensor_result(getattr(layer, "b", None), what=f"Linear({n_in}, {n_out}).b", shape=(n_out,), dtype=np.float32)
    x = np.ones((batch, n_in), np.float32)
    tensor_result(layer(Tensor(x)), what=f"Linear({n_in}, {n_out})(x)", shape=(batch, n_out), dtype=np.float32,
                  inputs={"x": x}, call=f"impl.Linear({n_in}, {n_out})(x)")


@spec("linear.parameters")
def test_linear_parameters(impl):
    # By effect, never by the worker's handle numbers: written through parameters(), read through layer.w and
    # layer.b and the layer's output; stepped through parameters(), seen in the output (kit/effects.py).
    rng = np.random.default_rng(6)
    layer = impl.Linear(4, 3)
    parameters_read_back(layer, "layer", [(4, 3), (3,)])
    x = rng.uniform(-2.0, 2.0, (5, 4)).astype(np.float32)
    w, b = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    check_layer_is_live(layer, "layer", x, w, b, relu=False, rng=rng)


@spec("linear.forward")
@given(n_in=sizes, n_out=sizes, batch=sizes, seed=seeds, guide=guide_layers)
def test_linear_forward(impl, n_in, n_out, batch, seed, guide):
    for batch, n_in, n_out in ((batch, n_in, n_out), guide):
        linear_forward(impl, n_in, n_out, batch, seed)


def linear_forward(impl, n_in, n_out, batch, seed):
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    x = rng.uniform(-5, 5, (batch, n_in)).astype(np.float32)
    w = rng.standard_normal((n_in, n_out)).astype(np.float32)
    b = rng.standard_normal(n_out).astype(np.float32)
    inputs, call = {"x": x, "w": w, "b": b}, "layer(x)  # with layer.w = w, layer.b = b"
    got = tensor_result(linear_with(impl, w, b)(Tensor(x)), what="layer(x)", shape=(batch, n_out), dtype=np.float32,
                        inputs=inputs, call=call)
    x64, w64, b64 = (a.astype(np.float64) for a in (x, w, b))
    bound = forward_bound(np.float32, oracles.linear_scale(x64, w64, b64), n_terms=n_in + 1)
    assert_close(got, oracles.linear(x64, w64, b64), bound, what="layer(x)", against="x @ w + b in float64",
                 policy="float32 sum of products", inputs=inputs, call=call)
    expected_torch = torch.nn.functional.linear(torch.from_numpy(x64), torch.from_numpy(w64).T, torch.from_numpy(b64))
    assert_close(got, expected_torch.numpy(), bound, what="layer(x)", against="PyTorch nn.functional.linear (float64)",
                 policy="float32 sum of products", inputs=inputs, call=call)


@spec("linear.gradient")
@given(n_in=sizes, n_out=sizes, batch=sizes, seed=seeds, guide=cheap_guide_layers)
def test_linear_gradient(impl, n_in, n_out, batch, seed, guide):
    for batch, n_in, n_out in ((batch, n_in, n_out), guide):
        rng = np.random.default_rng(seed)
        inputs = {"x": rng.uniform(-2, 2, (batch, n_in)), "w": rng.standard_normal((n_in, n_out)),
                  "b": rng.standard_normal(n_out)}
        layer = impl.Linear(n_in, n_out)   # one object; w and b are set on it before each call
        check_gradients(lambda x, w, b: linear_with(impl, w, b, layer)(x), lambda x, w, b: x @ w + b, inputs,
                        what="layer(x)", call="layer(x)  # with layer.w = w, layer.b = b", seed=seed)


# Two orientations, so that taking the fan from the wrong dimension changes the variance 4-fold.
INIT_SHAPES = ((400, 100), (100, 400), (1000, 50))
# Family-wise false alarm rate 1e-6 over 2 statistics x 3 shapes, two-sided normal bounds.
INIT_Z = NormalDist().inv_cdf(1 - 1e-6 / (2 * 2 * len(INIT_SHAPES)))


@spec("linear.init_kaiming")
def test_linear_init_kaiming(impl):
    for n_in, n_out in INIT_SHAPES:
        w = tensor_result(impl.Linear(n_in, n_out).w, what=f"Linear({n_in}, {n_out}).w", shape=(n_in, n_out),
                          dtype=np.float32).astype(np.float64)
        n, var = w.size, 2.0 / n_in
        # mean of n draws: standard error sqrt(var / n); sample variance: var * sqrt((kurtosis - 1) / n),
        # kurtosis <= 3 for the accepted distributions (normal 3, uniform 1.8).
        mean_bound = INIT_Z * np.sqrt(var / n)
        var_bound = INIT_Z * var * np.sqrt(2.0 / n)
        require(abs(w.mean()) <= mean_bound,
                f"Linear({n_in}, {n_out}).w has mean {w.mean():.3g}; Kaiming init has mean 0 "
                f"(allowed |mean| <= {mean_bound:.3g} for {n} samples)")
        require(abs(w.var() - var) <= var_bound,
                f"Linear({n_in}, {n_out}).w has variance {w.var():.4g}; Kaiming init for ReLU has 2 / n_in = {var:.4g} "
                f"(allowed ± {var_bound:.3g} for {n} samples). 2 / n_out would be {2.0 / n_out:.4g}: "
                f"the fan-in of x @ w is w.shape[0]")


@spec("linear.init_bias_zero")
@given(n_in=sizes, n_out=sizes)
def test_linear_init_bias_zero(impl, n_in, n_out):
    b = tensor_result(impl.Linear(n_in, n_out).b, what=f"Linear({n_in}, {n_out}).b", shape=(n_out,), dtype=np.float32)
    require(bool((b == 0).all()), f"Linear({n_in}, {n_out}).b starts at {b!r}; the bias starts at zero")


@spec("param_count.formula")
@given(layers=layer_lists)
def test_param_count_formula(impl, layers):
    got = impl.parameter_count(list(layers))
    expected = sum(a * b + b for a, b in zip(layers, layers[1:]))
    require(type(got) is int, f"parameter_count({layers}) returned {type(got).__name__}, expected int")
    require(got == expected, f"parameter_count({layers}) = {got}, expected Σ n_in*n_out + n_out = {expected}")


@spec("param_count.guide_example")
def test_param_count_guide_example(impl):
    got = impl.parameter_count([784, 256, 128, 10])
    require(got == 235_146, f"parameter_count([784, 256, 128, 10]) = {got}; 200,960 + 32,896 + 1,290 = 235,146 "
                            "(the guide prints 235,402: erratum E01)")
    for layers, count in (([784, 256], 200_960), ([256, 128], 32_896), ([128, 10], 1_290)):
        got = impl.parameter_count(layers)
        require(got == count, f"parameter_count({layers}) = {got}, expected {count}")


@spec("param_count.matches_mlp")
@given(layers=st.lists(st.sampled_from([1, 2, 3, 7, 16, 33]), min_size=2, max_size=5))
def test_param_count_matches_mlp(impl, layers):
    params = impl.MLP(list(layers)).parameters()
    require(isinstance(params, list), f"MLP({layers}).parameters() returned {params!r}, expected a list of Tensors")
    values = [p.numpy() for p in params]   # counted from the values read back, not from a .shape it reports
    require(all(type(v) is np.ndarray for v in values), f"MLP({layers}).parameters() holds something that is not a Tensor")
    total = sum(v.size for v in values)
    require(total == impl.parameter_count(list(layers)),
            f"MLP({layers}).parameters() hold {total} numbers but parameter_count gives {impl.parameter_count(list(layers))}")


@spec("mlp.structure")
@given(layers=st.lists(st.sampled_from([1, 2, 3, 7, 16]), min_size=2, max_size=5))
def test_mlp_structure(impl, layers):
    mlp = impl.MLP(list(layers))
    linears = getattr(mlp, "linears", None)
    require(isinstance(linears, list) and len(linears) == len(layers) - 1,
            f"MLP({layers}).linears should be a list of {len(layers) - 1} Linear layers, got {linears!r}")
    for i, (layer, n_in, n_out) in enumerate(zip(linears, layers, layers[1:])):
        require(is_instance(layer, impl.Linear), f"MLP({layers}).linears[{i}] is {type_claim(layer)}, not Linear")
        tensor_result(layer.w, what=f"linears[{i}].w", shape=(n_in, n_out), dtype=np.float32)
        tensor_result(layer.b, what=f"linears[{i}].b", shape=(n_out,), dtype=np.float32)
    # The order by shapes read back here; that these are the layers' own Tensors, by effect, in the next test.
    parameters_read_back(mlp, f"MLP({layers})",
                         [s for n_in, n_out in zip(layers, layers[1:]) for s in ((n_in, n_out), (n_out,))])


@spec("mlp.structure")
def test_mlp_parameters_are_the_layers(impl):
    """Written through mlp.parameters(), read through each linears[i].w and .b; each layer's output is x @ w + b
    with what was written; one SGD step through mlp.parameters() moves each layer's w and b by its gradient.
    Equal sizes, so that a wrong order cannot hide behind shapes."""
    rng = np.random.default_rng(7)
    sizes = [4, 4, 4, 3]
    shapes = [s for n_in, n_out in zip(sizes, sizes[1:]) for s in ((n_in, n_out), (n_out,))]
    mlp = impl.MLP(sizes)
    parameters_read_back(mlp, f"MLP({sizes})", shapes)
    values = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    assign_returned(mlp, "parameters", values)
    linears = mlp.linears
    require(isinstance(linears, list) and len(linears) == 3, f"MLP({sizes}).linears is {linears!r}")
    total, xs, cs = None, [], []
    for i, layer in enumerate(linears):
        what = f"MLP({sizes}).linears[{i}]"
        w, b = values[2 * i], values[2 * i + 1]
        require_written(layer, what, ["w", "b"], [w, b], through=f"MLP({sizes}).parameters()", first=2 * i)
        x = rng.uniform(-2, 2, (5, sizes[i])).astype(np.float32)
        out = layer(Tensor(x))
        got = tensor_result(out, what=f"{what}(x)", shape=(5, sizes[i + 1]), dtype=np.float32)
        x64 = x.astype(np.float64)
        assert_close(got, oracles.linear(x64, w.astype(np.float64), b.astype(np.float64)),
                     forward_bound(np.float32, oracles.linear_scale(x64, w.astype(np.float64), b.astype(np.float64)),
                                   n_terms=sizes[i] + 1),
                     what=f"{what}(x) after writing through mlp.parameters()", against="x @ w + b in float64",
                     policy="float32 sum of products", inputs={"x": x}, call=f"mlp.linears[{i}](x)")
        c = rng.uniform(-1, 1, got.shape)
        term = (out * Tensor(c.astype(np.float32))).sum()
        total = term if total is None else total + term
        xs.append(x64)
        cs.append(c)
    total.backward()
    had = step_returned(mlp, "parameters", 0.1)
    for i, layer in enumerate(linears):
        for j, (name, grad) in enumerate((("w", xs[i].T @ cs[i]), ("b", cs[i].sum(0)))):
            before = values[2 * i + j].astype(np.float64)
            expected = before - 0.1 * grad
            got = tensor_result(getattr(layer, name), what=f"linears[{i}].{name} after the step", shape=before.shape,
                                dtype=np.float32)
            bound = forward_bound(np.float32, np.abs(before) + 0.1 * np.abs(grad) + 0.1 * np.abs(xs[i]).T @ np.abs(cs[i])
                                  if name == "w" else np.abs(before) + 0.1 * np.abs(cs[i]).sum(0), n_terms=8)
            no_grad = "" if not isinstance(had, list) or len(had) <= 2 * i + j or had[2 * i + j] is not False else \
                " (the implementation's process reports no .grad on it after backward())"
            require(bool(np.all(np.abs(got - expected) <= bound)),
                    f"one SGD step on mlp.parameters()[{2 * i + j}] did not move linears[{i}].{name} by -lr * its "
                    f"gradient{no_grad}: parameters() must return the layers' own Tensors (not copies or "
                    f".detach()ed ones), in layer order", [f"worst |got - expected| = {np.abs(got - expected).max():.3g}"])
