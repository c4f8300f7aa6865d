"""Section 15 of the guide, Project 6 (spec/s15_projects.toml): INT8 quantisation (symmetric, asymmetric, per
channel; round trip, exact zero, PyTorch's codes) and dequantisation. Never imports the implementation.
"""
import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st

from aifund.kit.check import assert_close, fail, require
from aifund.kit.strategies import GUIDE_SHAPES, guide_shapes, seeds
from aifund.kit.tolerance import forward_bound

spec = pytest.mark.spec


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
# Each example also quantises one of the guide MLP's weight matrices (784x256, 256x128), drawn with the same seed,
# magnitude and offset as its small array (aifund/kit/strategies.py GUIDE_SHAPES).
weights = guide_shapes("weights")


def both(data, guide):
    """The drawn case, then the same case at the guide's weight shape."""
    return (data, (guide, *data[1:]))


def make_array(spec_):
    shape, seed, magnitude, offset = spec_
    rng = np.random.default_rng(seed)
    x = ((rng.standard_normal(shape) + offset * 3) * magnitude).astype(np.float32)
    return x


@spec("p6.quantize.symmetric")
@given(data=quant_arrays, guide=weights)
@example(data=((4, 6), 0, 0.0, 0.0), guide=GUIDE_SHAPES["weights"][1]).via("variant: an all-zero input")
def test_quantize_symmetric(impl, data, guide):
    for data in both(data, guide):
        quantize_symmetric(impl, data)


def quantize_symmetric(impl, data):
    __tracebackhide__ = True
    x = make_array(data)
    q, scale, zp = quantized(impl, x)
    scale, zp = per_slice(scale, x, None), per_slice(zp, x, None)
    require(int(zp) == 0, f"symmetric quantize returned zero_point {zp}, expected 0")
    if not x.any():   # magnitude 0: max|x| = 0, and max|x| / 127 must not become a division by zero
        require(np.isfinite(float(scale)) and float(scale) > 0 and not q.any(),
                f"symmetric quantize of an all-zero array returned scale {float(scale)!r} and codes in "
                f"[{q.min()}, {q.max()}]; expected any positive finite scale and every code 0")
        return
    require(q.min() >= -127 and q.max() <= 127, f"symmetric codes must lie in [-127, 127], got [{q.min()}, {q.max()}]")
    expected = np.float32(np.abs(x.astype(np.float64)).max() / 127)
    require(abs(float(scale) - float(expected)) <= 2 * np.spacing(expected),
            f"symmetric scale is {float(scale)!r}, expected max|x| / 127 = {float(expected)!r}")
    require(int(np.abs(q.astype(int)).max()) == 127, "the element of largest magnitude must map to +-127")


@spec("p6.quantize.asymmetric")
@given(data=quant_arrays, guide=weights)
@example(data=((4, 6), 0, 0.01, 2.0), guide=GUIDE_SHAPES["weights"][1]).via("variant: an all-positive input")
@example(data=((4, 6), 1, 0.01, -2.0), guide=GUIDE_SHAPES["weights"][1]).via("variant: an all-negative input")
def test_quantize_asymmetric(impl, data, guide):
    for data in both(data, guide):
        quantize_asymmetric(impl, data)


def quantize_asymmetric(impl, data):
    __tracebackhide__ = True
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
@given(data=quant_arrays, scheme=schemes, guide=weights)
def test_quantize_round_trip(impl, data, scheme, guide):
    for data in both(data, guide):
        quantize_round_trip(impl, data, scheme)


def quantize_round_trip(impl, data, scheme):
    __tracebackhide__ = True
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
@given(data=quant_arrays, scheme=schemes, guide=weights)
def test_quantize_zero_exact(impl, data, scheme, guide):
    for data in both(data, guide):
        quantize_zero_exact(impl, data, scheme)


def quantize_zero_exact(impl, data, scheme):
    __tracebackhide__ = True
    x, symmetric, axis, (q, scale, zp) = scheme_case(impl, data, scheme, zero_first=True)
    zp_b = np.broadcast_to(per_slice(zp, x, axis), x.shape)
    require(int(q.flat[0]) == int(zp_b.flat[0]), f"0.0 quantised to {int(q.flat[0])}, not to the zero point "
            f"{int(zp_b.flat[0])} (symmetric={symmetric}, axis={axis})")
    back = impl.dequantize(q, scale, zp)
    require(float(np.asarray(back).flat[0]) == 0.0, f"0.0 came back as {float(np.asarray(back).flat[0])!r}")


@spec("p6.quantize.per_channel")
@given(data=quant_arrays, symmetric=st.booleans(), guide=weights)
def test_quantize_per_channel(impl, data, symmetric, guide):
    quantize_per_channel(impl, data, symmetric)
    # At the guide's size, every slice's scale and codes against those of 3 slices quantised alone, chosen by the seed
    quantize_per_channel(impl, (guide, *data[1:]), symmetric, alone=3)


def quantize_per_channel(impl, data, symmetric, alone=None):
    __tracebackhide__ = True
    x = make_array(data)
    if x.ndim < 2:
        x = x.reshape(1, -1)
    rng = np.random.default_rng(data[1])
    for axis in range(x.ndim):
        q, scale, zp = quantized(impl, x, symmetric=symmetric, axis=axis)
        scale, zp = per_slice(scale, x, axis), per_slice(zp, x, axis)
        n = x.shape[axis]
        for i in (range(n) if alone is None else rng.choice(n, size=min(alone, n), replace=False)):
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
@given(data=quant_arrays, scheme=schemes, guide=weights)
def test_quantize_matches_torch(impl, data, scheme, guide):
    for data in both(data, guide):
        quantize_matches_torch(impl, data, scheme)


def quantize_matches_torch(impl, data, scheme):
    __tracebackhide__ = True
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
    # A tie within the float32 rounding of x / scale (torch divides in float32: 87.4999984 there is 87.5, which
    # rounds to 88); near-ties of that kind are common among the 200,704 codes of a 784x256 weight matrix.
    tie = np.abs(np.abs(ratio - np.floor(ratio)) - 0.5) <= np.maximum(1e-6, forward_bound(np.float32, ratio))
    diff = np.abs(q.astype(int) - theirs.astype(int))
    bad = (diff > 1) | ((diff == 1) & ~tie)
    if bad.any():
        i = np.unravel_index(int(np.argmax(bad)), x.shape)
        fail(f"quantize(x, symmetric={symmetric}, axis={axis}) code {int(q[i])} at {tuple(map(int, i))} differs "
             f"from torch's {int(theirs[i])} for x = {x[i]!r} (scale {float(np.broadcast_to(s, x.shape)[i])!r}, "
             f"zero point {int(np.broadcast_to(z, x.shape)[i])}); {int(bad.sum())} of {x.size} codes differ")


@spec("p6.dequantize.values")
@given(shape=st.sampled_from([(5,), (3, 4), (2, 3, 4)]), seed=seeds, guide=weights)
def test_dequantize_values(impl, shape, seed, guide):
    for shape in (shape, guide):
        dequantize_values(impl, shape, seed)


def dequantize_values(impl, shape, seed):
    __tracebackhide__ = True
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
