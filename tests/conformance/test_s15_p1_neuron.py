"""Section 15 of the guide, Project 1 (spec/s15_projects.toml): the NumpyNeuron's shapes, forward, loss and
framework-free gradients, and XOR (beyond one neuron, solved by a small MLP). Never imports the implementation.
"""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from aifund.remote import Tensor

from aifund.kit.calltrace import calls_into
from aifund.kit.check import assert_close, fail, require
from aifund.kit.models import mlp_with, random_params
from aifund.kit.strategies import seeds
from aifund.kit.tolerance import FD_STEP, forward_bound

spec = pytest.mark.spec
sizes = st.sampled_from([1, 2, 3, 5, 8])
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float64)
XOR_Y = np.array([0, 1, 1, 0], np.float64)


# ------------------------------------------------------------------ Project 1: NumpyNeuron
def numpy_neuron(impl, w, b):
    neuron = impl.NumpyNeuron(len(w))
    neuron.w, neuron.b = np.array(w, np.float64), float(b)
    return neuron


def float_array(out, *, what, shape):
    __tracebackhide__ = True
    if not isinstance(out, np.ndarray):
        fail(f"{what} returned {type(out).__module__}.{type(out).__qualname__}, expected a numpy array")
    if out.shape != tuple(shape) or out.dtype.kind != "f":
        fail(f"{what} returned a {out.dtype} array of shape {out.shape}, expected floats of shape {tuple(shape)}")
    return out.astype(np.float64)


def float_scalar(value, *, what) -> float:
    __tracebackhide__ = True
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind == "f":
        return float(value.reshape(()))
    if not isinstance(value, (float, np.floating)):
        fail(f"{what} returned {type(value).__qualname__} {value!r}, expected a float")
    return float(value)


def neuron_problem(n, batch, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, (batch, n))
    w = rng.standard_normal(n)
    b = rng.standard_normal()
    y = rng.uniform(0, 1, batch)
    return x, w, b, y


@spec("p1.numpy_neuron.shapes")
@given(n=sizes, batch=sizes)
def test_numpy_neuron_shapes(impl, n, batch):
    neuron = impl.NumpyNeuron(n)
    float_array(getattr(neuron, "w", None), what=f"NumpyNeuron({n}).w", shape=(n,))
    float_scalar(getattr(neuron, "b", None), what=f"NumpyNeuron({n}).b")
    float_array(neuron.forward(np.ones((batch, n))), what="forward(x)", shape=(batch,))


@spec("p1.numpy_neuron.forward")
@given(n=sizes, batch=sizes, seed=seeds, scale=st.sampled_from([1.0, 10.0]))
def test_numpy_neuron_forward(impl, n, batch, seed, scale):
    x, w, b, _ = neuron_problem(n, batch, seed)
    w = w * scale * 40 / max(1.0, scale * 3 * np.abs(w).sum())   # |z| stays within 40 + |b|
    got = float_array(numpy_neuron(impl, w, b).forward(x), what="forward(x)", shape=(batch,))
    z = x @ w + b
    expected = 1 / (1 + np.exp(-z))
    bound = forward_bound(np.float64, np.abs(expected) * (1 + np.abs(z)), n_terms=n + 1)
    inputs = {"x": x, "w": w, "b": b}
    assert_close(got, expected, bound, what="forward(x)", against="sigmoid(x @ w + b) in float64",
                 policy="float64 sum of products", inputs=inputs)
    assert_close(got, torch.sigmoid(torch.from_numpy(z)).numpy(), bound, what="forward(x)",
                 against="torch.sigmoid (float64)", policy="float64 sum of products", inputs=inputs)


@spec("p1.numpy_neuron.loss")
@given(n=sizes, batch=sizes, seed=seeds)
def test_numpy_neuron_loss(impl, n, batch, seed):
    x, w, b, y = neuron_problem(n, batch, seed)
    got = float_scalar(numpy_neuron(impl, w, b).loss(x, y), what="loss(x, y)")
    a = 1 / (1 + np.exp(-(x @ w + b)))
    expected = np.mean((a - y) ** 2)
    assert_close(np.array(got), np.array(expected), forward_bound(np.float64, 1.0, n_terms=n + batch + 4),
                 what="loss(x, y)", against="mean((sigmoid(x @ w + b) - y)^2) in float64",
                 policy="float64", inputs={"x": x, "w": w, "b": b, "y": y})


@spec("p1.numpy_neuron.gradients")
@given(n=sizes, batch=sizes, seed=seeds)
def test_numpy_neuron_gradients(impl, n, batch, seed):
    x, w, b, y = neuron_problem(n, batch, seed)
    neuron = numpy_neuron(impl, w, b)
    result = neuron.gradients(x, y)
    require(isinstance(result, tuple) and len(result) == 2, f"gradients(x, y) returned {result!r}, expected (dw, db)")
    dw = float_array(np.asarray(result[0]) if isinstance(result[0], list) else result[0], what="dw", shape=(n,))
    db = float_scalar(result[1], what="db")
    got = np.append(dw, db)
    # PyTorch autograd
    tw, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (w, b))
    torch.mean((torch.sigmoid(torch.from_numpy(x) @ tw + tb) - torch.from_numpy(y)) ** 2).backward()
    expected = np.append(tw.grad.numpy(), tb.grad.item())
    scale = np.abs(expected).max() + 1e-12
    inputs = {"x": x, "w": w, "b": b, "y": y}
    assert_close(got, expected, 1e-9 * scale + 1e-15, what="gradients(x, y) = (dw, db)",
                 against="PyTorch autograd (float64)", policy="float64, 1e-9 of the largest component",
                 inputs=inputs)
    # central finite differences of the implementation's own loss
    fd = []
    for i in range(n + 1):
        h = FD_STEP * max(1.0, abs(w[i]) if i < n else abs(b))
        plus, minus = w.copy(), w.copy()
        bp = bm = b
        if i < n:
            plus[i] += h
            minus[i] -= h
        else:
            bp, bm = b + h, b - h
        lp = float_scalar(numpy_neuron(impl, plus, bp).loss(x, y), what="loss")
        lm = float_scalar(numpy_neuron(impl, minus, bm).loss(x, y), what="loss")
        fd.append((lp - lm) / (2 * h))
    # truncation O(h^2) plus rounding 2 eps |L| / h, with L <= 1
    assert_close(got, np.array(fd), 1e-6 * scale + 4 * 2.2e-16 / FD_STEP, what="gradients(x, y)",
                 against="central finite differences of loss", policy="step 1e-6, truncation and rounding",
                 inputs=inputs)


@spec("p1.numpy_neuron.no_framework")
def test_numpy_neuron_no_framework(impl):
    x, w, b, y = neuron_problem(3, 5, 0)

    def run():
        neuron = numpy_neuron(impl, w, b)
        neuron.forward(x)
        neuron.loss(x, y)
        return neuron.gradients(x, y)
    _, called = calls_into(run, ("torch", "tinygrad"))
    require(not called, "NumpyNeuron must compute its gradients by hand (Project 1: no framework), "
            f"but it called {', '.join(called[:5])}")


@spec("p1.xor.neuron_limit")
@given(w=st.tuples(st.floats(-100, 100), st.floats(-100, 100)), b=st.floats(-100, 100))
def test_xor_single_neuron_limit(w, b):
    # the four inequalities of the spec cannot hold together, so at most 3 points are right
    predictions = (XOR_X @ np.array(w) + b >= 0).astype(float)
    assert (predictions == XOR_Y).sum() <= 3, f"a neuron with w={w}, b={b} classified all of XOR"


@spec("p1.xor.neuron_limit")
def test_xor_trained_reference_neuron_reaches_exactly_75_percent():
    from aifund.reference import NumpyNeuron
    best = 0.0
    for seed in range(10):
        neuron = NumpyNeuron(2, seed=seed)
        neuron.fit(XOR_X, XOR_Y, lr=2.0, epochs=2000)
        best = max(best, float(((neuron.forward(XOR_X) >= 0.5) == XOR_Y).mean()))
    assert best == 0.75, f"the best of 10 trained neurons reached {best:.0%} on XOR; the limit is 75%"


@spec("p1.xor.mlp_solves")
@pytest.mark.parametrize("seed", [0, 1])
def test_xor_mlp_solves(impl, seed):
    params = random_params([2, 16, 2], np.random.default_rng(seed), bias_scale=0.1)
    mlp = mlp_with(impl, [2, 16, 2], params)
    opt = impl.Adam(mlp.parameters(), lr=0.05)
    x, y = Tensor(XOR_X.astype(np.float32)), Tensor(np.eye(2, dtype=np.float32)[XOR_Y.astype(int)])
    for _ in range(60):
        opt.zero_grad()
        impl.categorical_cross_entropy(mlp(x), y).backward()
        opt.step()
    predicted = mlp(x).numpy().argmax(axis=1)
    correct = int((predicted == XOR_Y).sum())
    require(correct == 4, f"MLP([2, 16, 2]) trained 60 Adam steps on XOR classifies {correct} of 4 points "
            f"(predicted {predicted.tolist()}, labels {XOR_Y.astype(int).tolist()}); a hidden ReLU layer solves XOR")

