"""Section 15 of the guide: the projects' checkable deliverables (spec/s15_projects.toml).
Project 1 (NumpyNeuron, XOR), Project 4 (Adam is the implementation's own),
Project 6 (weights files, INT8 quantisation). Accuracy and latency of trained
models are measured on the reference in tests/learning and tests/edge.
"""
import io

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from aifund.remote import Tensor, current, tensor_claims

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


# ------------------------------------------------------------------ Project 6: weights files
def same_parameters(a, b) -> bool:
    pa, pb = a.parameters(), b.parameters()
    return len(pa) == len(pb) and all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(pa, pb))


@spec("p6.weights.round_trip")
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_weights_round_trip(impl, model):
    make = (lambda: impl.MLP([7, 5, 3])) if model == "mlp" else impl.SimpleCNN
    Tensor.manual_seed(1)
    source = make()
    Tensor.manual_seed(2)
    target = make()
    path = current().scratch_path("weights.npz")     # a file in the implementation's process
    impl.save_weights(source, path)
    originals = [p.numpy() for p in source.parameters()]
    with np.load(io.BytesIO(current().read_file("weights.npz")), allow_pickle=False) as archive:
        require(len(archive.files) == len(originals),
                f"the .npz file holds {len(archive.files)} arrays, the model has {len(originals)} parameters")
        for i, (name, original) in enumerate(zip(archive.files, originals)):
            stored = archive[name]
            require(stored.dtype == original.dtype and stored.shape == original.shape
                    and np.array_equal(stored, original),
                    f"{model}: array {name!r} of the file is {stored.dtype} {stored.shape}, parameter {i} is "
                    f"{original.dtype} {original.shape}: save_weights must store every value exactly")
    impl.load_weights(target, path)
    for i, (x, y) in enumerate(zip(source.parameters(), target.parameters())):
        require(np.array_equal(x.numpy(), y.numpy()) and tensor_claims(x) == tensor_claims(y),
                f"{model}: parameter {i} differs after save_weights / load_weights (a round trip must be exact)")


def _rewrite(name, arrays: dict):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    current().write_file(name, buffer.getvalue())


@spec("p6.weights.refuses_bad_files")
@pytest.mark.parametrize("damage", ["missing array", "wrong shape", "wrong dtype", "not an archive"])
def test_weights_refuse_bad_files(impl, damage):
    Tensor.manual_seed(1)
    model = impl.MLP([4, 3, 2])
    before = [p.numpy().copy() for p in model.parameters()]
    impl.save_weights(impl.MLP([4, 3, 2]), current().scratch_path("good.npz"))
    with np.load(io.BytesIO(current().read_file("good.npz")), allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    names = list(arrays)
    bad = current().scratch_path("bad.npz")
    if damage == "missing array":
        del arrays[names[-1]]
        _rewrite("bad.npz", arrays)
    elif damage == "wrong shape":
        arrays[names[0]] = np.zeros((5, 3), arrays[names[0]].dtype)
        _rewrite("bad.npz", arrays)
    elif damage == "wrong dtype":
        arrays[names[0]] = arrays[names[0]].astype(np.float64)
        _rewrite("bad.npz", arrays)
    else:
        current().write_file("bad.npz", b"this is not a zip archive")
    try:
        impl.load_weights(model, bad)
    except Exception:
        pass
    else:
        fail(f"load_weights accepted a weights file with a {damage}; it must raise")
    after = [p.numpy() for p in model.parameters()]
    changed = [i for i, (x, y) in enumerate(zip(before, after)) if not np.array_equal(x, y)]
    require(not changed, f"load_weights refused a file with a {damage} but had already changed parameters {changed}")


# ------------------------------------------------------------------ Project 6: quantisation
def quantized(impl, x, **kwargs):
    __tracebackhide__ = True
    result = impl.quantize(x, **kwargs)
    require(isinstance(result, tuple) and len(result) == 3,
            f"quantize(x, {kwargs}) returned {type(result).__qualname__}, expected (q, scale, zero_point)")
    q = result[0]
    require(isinstance(q, np.ndarray) and q.dtype == np.int8 and q.shape == x.shape,
            f"quantize(x, {kwargs}): q must be an int8 array of shape {x.shape}, got "
            f"{getattr(q, 'dtype', type(q).__qualname__)} {getattr(q, 'shape', '')}")
    return result     # scale and zero point as returned, so that dequantize gets them unchanged


def per_slice(values, x, axis):
    """Scales or zero points as an array broadcastable against x: one value per tensor, or with axis given
    one per slice in x's number of dimensions, size 1 elsewhere (the shape dequantize relies on)."""
    values = np.asarray(values)
    if axis is None:
        require(values.size == 1, f"per-tensor quantize returned {values.size} scales or zero points, expected one")
        return values.reshape(())
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    require(values.shape == tuple(shape), f"quantize(axis={axis}) returned scales or zero points of shape "
            f"{values.shape}; expected {tuple(shape)}: one per slice along axis {axis}, size 1 on the other axes, "
            "so that scale * (q - zero_point) broadcasts against x")
    return values


def slices_range(x, axis, fn):
    return fn(x) if axis is None else fn(x, axis=tuple(i for i in range(x.ndim) if i != axis), keepdims=True)


quant_arrays = st.tuples(st.sampled_from([(7,), (4, 6), (3, 5, 2), (8, 3, 3, 3)]), seeds,
                         st.sampled_from([0.01, 1.0, 300.0]), st.sampled_from([0.0, 0.5, -0.9]))


def make_array(spec_):
    shape, seed, magnitude, offset = spec_
    rng = np.random.default_rng(seed)
    x = ((rng.standard_normal(shape) + offset * 3) * magnitude).astype(np.float32)
    return x


@spec("p6.quantize.symmetric")
@given(data=quant_arrays)
def test_quantize_symmetric(impl, data):
    x = make_array(data)
    q, scale, zp = quantized(impl, x)
    scale, zp = per_slice(scale, x, None), per_slice(zp, x, None)
    require(int(zp) == 0, f"symmetric quantize returned zero_point {zp}, expected 0")
    require(q.min() >= -127 and q.max() <= 127, f"symmetric codes must lie in [-127, 127], got [{q.min()}, {q.max()}]")
    expected = np.float32(np.abs(x.astype(np.float64)).max() / 127)
    require(abs(float(scale) - float(expected)) <= 2 * np.spacing(expected),
            f"symmetric scale is {float(scale)!r}, expected max|x| / 127 = {float(expected)!r}")
    require(int(np.abs(q.astype(int)).max()) == 127, "the element of largest magnitude must map to +-127")


@spec("p6.quantize.asymmetric")
@given(data=quant_arrays)
def test_quantize_asymmetric(impl, data):
    x = make_array(data)
    q, scale, zp = quantized(impl, x, symmetric=False)
    scale, zp = per_slice(scale, x, None), per_slice(zp, x, None)
    require(np.issubdtype(zp.dtype, np.integer) or float(zp) == round(float(zp)),
            f"the zero point must be an integer, got {zp!r}")
    require(-128 <= int(zp) <= 127, f"the zero point {int(zp)} lies outside [-128, 127]")
    require(q.min() >= -128 and q.max() <= 127, f"codes must lie in [-128, 127], got [{q.min()}, {q.max()}]")
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    expected = np.float32((hi - lo) / 255)
    require(abs(float(scale) - float(expected)) <= 2 * np.spacing(expected),
            f"asymmetric scale is {float(scale)!r}, expected (max - min) / 255 = {float(expected)!r} "
            f"over the range [{lo:.6g}, {hi:.6g}] (which includes 0)")
    if hi > lo:
        codes = (q.astype(int).min(), q.astype(int).max())
        want = (-128 if x.min() < 0 else None, 127 if x.max() > 0 else None)
        for got_code, want_code, end in zip(codes, want, ("min", "max")):
            if want_code is not None:
                require(abs(got_code - want_code) <= 1, f"the range's {end} maps to code {got_code}, expected {want_code}")


schemes = st.sampled_from([(True, None), (False, None), (True, 0), (False, 0), (True, -1), (False, -1)])


def scheme_case(impl, data, scheme, zero_first=False):
    """x, symmetric, axis (normalised) and quantize's (q, scale, zero_point) for one generated case."""
    symmetric, axis = scheme
    x = make_array(data)
    if zero_first:
        x.flat[0] = 0.0
    axis = None if axis is None else axis % x.ndim
    return x, symmetric, axis, quantized(impl, x, symmetric=symmetric, axis=axis)


@spec("p6.quantize.round_trip")
@given(data=quant_arrays, scheme=schemes)
def test_quantize_round_trip(impl, data, scheme):
    x, symmetric, axis, (q, scale, zp) = scheme_case(impl, data, scheme)
    back = impl.dequantize(q, scale, zp)
    require(isinstance(back, np.ndarray) and back.shape == x.shape, f"dequantize returned {type(back).__qualname__} "
            f"of shape {getattr(back, 'shape', '?')}, expected an array of shape {x.shape}")
    s = per_slice(scale, x, axis).astype(np.float64)
    magnitude = slices_range(np.abs(x.astype(np.float64)), axis, np.max)
    bound = np.broadcast_to(s / 2 + 4 * np.spacing(np.float32(magnitude)).astype(np.float64), x.shape)
    assert_close(back, x.astype(np.float64), bound, what=f"dequantize(quantize(x, symmetric={symmetric}, axis={axis}))",
                 against="x", policy="scale / 2 plus float32 rounding of the result")


@spec("p6.quantize.zero_exact")
@given(data=quant_arrays, scheme=schemes)
def test_quantize_zero_exact(impl, data, scheme):
    x, symmetric, axis, (q, scale, zp) = scheme_case(impl, data, scheme, zero_first=True)
    zp_b = np.broadcast_to(per_slice(zp, x, axis), x.shape)
    require(int(q.flat[0]) == int(zp_b.flat[0]), f"0.0 quantised to {int(q.flat[0])}, not to the zero point "
            f"{int(zp_b.flat[0])} (symmetric={symmetric}, axis={axis})")
    back = impl.dequantize(q, scale, zp)
    require(float(np.asarray(back).flat[0]) == 0.0, f"0.0 came back as {float(np.asarray(back).flat[0])!r}")


@spec("p6.quantize.per_channel")
@given(data=quant_arrays, symmetric=st.booleans())
def test_quantize_per_channel(impl, data, symmetric):
    x = make_array(data)
    if x.ndim < 2:
        x = x.reshape(1, -1)
    for axis in range(x.ndim):
        q, scale, zp = quantized(impl, x, symmetric=symmetric, axis=axis)
        scale, zp = per_slice(scale, x, axis), per_slice(zp, x, axis)
        for i in range(x.shape[axis]):
            part = np.take(x, [i], axis=axis)
            q1, s1, z1 = quantized(impl, part, symmetric=symmetric)
            si, zi = float(np.take(scale, [i], axis=axis).reshape(())), int(np.take(zp, [i], axis=axis).reshape(()))
            require(si == float(np.asarray(s1).reshape(())) and zi == int(np.asarray(z1).reshape(())),
                    f"quantize(x, axis={axis}) slice {i}: scale {si!r}, zero point {zi}; quantising the slice alone "
                    f"gives {float(np.asarray(s1).reshape(()))!r}, {int(np.asarray(z1).reshape(()))}")
            require(np.array_equal(np.take(q, [i], axis=axis), q1),
                    f"quantize(x, axis={axis}) slice {i}: codes differ from quantising the slice alone")


@spec("p6.quantize.matches_torch")
@pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor:UserWarning")
@given(data=quant_arrays, scheme=schemes)
def test_quantize_matches_torch(impl, data, scheme):
    x, symmetric, axis, (q, scale, zp) = scheme_case(impl, data, scheme)
    s, z = per_slice(scale, x, axis), per_slice(zp, x, axis)
    t = torch.from_numpy(x)
    if axis is None:
        theirs = torch.quantize_per_tensor(t, float(s), int(z), torch.qint8).int_repr().numpy()
    else:
        theirs = torch.quantize_per_channel(t, torch.from_numpy(s.reshape(-1).astype(np.float64)),
                                            torch.from_numpy(z.reshape(-1).astype(np.int64)), axis,
                                            torch.qint8).int_repr().numpy()
    if symmetric:
        theirs = np.maximum(theirs, -127)   # the symmetric scheme's range is [-127, 127]; torch clamps to -128
    ratio = x.astype(np.float64) / np.broadcast_to(s.astype(np.float64), x.shape)
    tie = np.abs(np.abs(ratio - np.floor(ratio)) - 0.5) <= 1e-6
    diff = np.abs(q.astype(int) - theirs.astype(int))
    bad = (diff > 1) | ((diff == 1) & ~tie)
    if bad.any():
        i = np.unravel_index(int(np.argmax(bad)), x.shape)
        fail(f"quantize(x, symmetric={symmetric}, axis={axis}) code {int(q[i])} at {tuple(map(int, i))} differs "
             f"from torch's {int(theirs[i])} for x = {x[i]!r} (scale {float(np.broadcast_to(s, x.shape)[i])!r}, "
             f"zero point {int(np.broadcast_to(z, x.shape)[i])}); {int(bad.sum())} of {x.size} codes differ")


@spec("p6.dequantize.values")
@given(shape=st.sampled_from([(5,), (3, 4), (2, 3, 4)]), seed=seeds)
def test_dequantize_values(impl, shape, seed):
    rng = np.random.default_rng(seed)
    q = rng.integers(-128, 128, shape).astype(np.int8)
    for scale, zp in ((np.float32(rng.uniform(1e-3, 2)), np.int32(rng.integers(-128, 128))),
                      (rng.uniform(1e-3, 2, (shape[0],) + (1,) * (len(shape) - 1)).astype(np.float32),
                       rng.integers(-128, 128, (shape[0],) + (1,) * (len(shape) - 1)).astype(np.int32))):
        got = impl.dequantize(q, scale, zp)
        require(isinstance(got, np.ndarray) and got.dtype == np.float32 and got.shape == shape,
                f"dequantize returned {getattr(got, 'dtype', type(got).__qualname__)} {getattr(got, 'shape', '')}, "
                f"expected float32 of shape {shape}")
        expected = scale.astype(np.float64) * (q.astype(np.float64) - zp)
        assert_close(got, expected, forward_bound(np.float32, expected, n_terms=1), what="dequantize(q, scale, zp)",
                     against="scale * (q - zero_point) in float64", policy="float32 product")
