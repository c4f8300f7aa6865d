"""Section 5 of the guide: activation functions. One test per spec item (spec/s05_activations.toml)."""
import math

import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st
from aifund.remote import Tensor

from aifund.kit import elementwise, oracles
from aifund.kit.check import assert_close, require, tensor_result
from aifund.kit.gradients import check_gradients
from aifund.kit.strategies import GUIDE_SHAPES, arrays, at_guide_size, guide_shapes, seeds, shapes
from aifund.kit.tolerance import SAFETY, forward_bound

spec = pytest.mark.spec
moderate = arrays(shapes(), -20, 20)
large = arrays(shapes(), -1e4, 1e4)
grad_inputs = arrays(shapes(max_dims=2), -8, 8, dtype=np.float64)
kinkless = arrays(shapes(max_dims=2), -8, 8, dtype=np.float64, away_from_zero=1e-3)
# Each example checks its drawn input and one at a size the guide uses (aifund/kit/strategies.py GUIDE_SHAPES),
# built from the drawn values: a batch of 64 at the MLP's widths, or a batch of 10-class rows for softmax.
widths, rows = guide_shapes("activations"), guide_shapes("rows")
WIDTH, ROW = GUIDE_SHAPES["activations"][0], GUIDE_SHAPES["rows"][0]


def sized(z, guide, lo, hi):
    """The drawn input, then the guide-sized one built from it."""
    return (z, at_guide_size(z, guide, lo, hi))


# Points that pin a function where a property alone does not (0, and two more where the functions differ).
ANCHORS = np.array([0.0, 1.0, -2.0], dtype=np.float32)


# ------------------------------------------------------------------ sigmoid
@spec("act.sigmoid.values")
@given(z=moderate, guide=widths)
@example(z=np.array([-1.0, 0.0, 1.0, 14.3], dtype=np.float32), guide=WIDTH)
def test_sigmoid_values(impl, z, guide):
    for x in sized(z, guide, -20, 20):
        elementwise.values(impl, "sigmoid", x)


@spec("act.sigmoid.gradient")
@given(z=grad_inputs, seed=seeds, guide=widths)
def test_sigmoid_gradient(impl, z, seed, guide):
    for x in sized(z, guide, -8, 8):
        elementwise.gradient(impl, "sigmoid", x, seed)


@spec("act.sigmoid.symmetry")
@given(z=moderate, guide=widths)
def test_sigmoid_symmetry(impl, z, guide):
    for z in sized(z, guide, -20, 20):
        pos = tensor_result(impl.sigmoid(Tensor(z)), what="sigmoid(z)", shape=z.shape, dtype=np.float32)
        neg = tensor_result(impl.sigmoid(Tensor(-z)), what="sigmoid(-z)", shape=z.shape, dtype=np.float32)
        bound = forward_bound(np.float32, oracles.ELEMENTWISE["sigmoid"].scale(z.astype(np.float64)), n_terms=2)
        assert_close(neg, 1.0 - pos.astype(np.float64), bound, what="sigmoid(-z)", against="1 - sigmoid(z)",
                     policy="float32 invariant", inputs={"z": z}, call="impl.sigmoid(-z)")
    # The property holds for many wrong functions (a constant 1/2, say): it is a property of *the* sigmoid
    # only where the function is pinned, at 0 (1/2) and at two more points, against the formula.
    elementwise.values(impl, "sigmoid", ANCHORS)


@spec("act.sigmoid.stability")
@given(z=large, guide=widths)
@example(z=np.array([-1e4, -100.0, -88.8, 88.8, 100.0, 1e4], dtype=np.float32), guide=WIDTH)
def test_sigmoid_stability(impl, z, guide):
    for z in sized(z, guide, -1e4, 1e4):
        got = elementwise.values(impl, "sigmoid", z)
        require(bool(((got >= 0) & (got <= 1)).all()), "sigmoid(z) left [0, 1]", inputs={"z": z}, call="impl.sigmoid(z)")


@spec("act.sigmoid.vanishing_gradient")
def test_sigmoid_vanishing_gradient(impl):
    at_zero = elementwise.single_derivative(impl, "sigmoid", 0.0)
    require(abs(at_zero - 0.25) <= 1e-12, f"d sigmoid / dz at 0 is {at_zero!r}, expected 1/4")
    for z in (-30.0, -10.0, 10.0, 30.0):
        d = elementwise.single_derivative(impl, "sigmoid", z)
        require(0 <= d < 5e-5, f"d sigmoid / dz at {z} is {d!r}: sigmoid should saturate there (< 5e-5)")
    for z in np.linspace(-6, 6, 25):
        d = elementwise.single_derivative(impl, "sigmoid", float(z))
        require(d <= 0.25 + 1e-12, f"d sigmoid / dz at {z:.2f} is {d!r}, above the maximum 1/4")


# ------------------------------------------------------------------ tanh
@spec("act.tanh.values")
@given(z=moderate, guide=widths)
@example(z=np.array([-1.0, 0.0, 1e-6, 1.0], dtype=np.float32), guide=WIDTH)
def test_tanh_values(impl, z, guide):
    for x in sized(z, guide, -20, 20):
        elementwise.values(impl, "tanh", x)


@spec("act.tanh.gradient")
@given(z=grad_inputs, seed=seeds, guide=widths)
@example(z=np.array([0.0, 0.5]), seed=0, guide=WIDTH)
def test_tanh_gradient(impl, z, seed, guide):
    for x in sized(z, guide, -8, 8):
        elementwise.gradient(impl, "tanh", x, seed)


@spec("act.tanh.odd")
@given(z=moderate, guide=widths)
def test_tanh_odd(impl, z, guide):
    for z in sized(z, guide, -20, 20):
        pos = tensor_result(impl.tanh(Tensor(z)), what="tanh(z)", shape=z.shape, dtype=np.float32)
        neg = tensor_result(impl.tanh(Tensor(-z)), what="tanh(-z)", shape=z.shape, dtype=np.float32)
        bound = forward_bound(np.float32, oracles.ELEMENTWISE["tanh"].scale(z.astype(np.float64)), n_terms=2)
        assert_close(neg, -pos.astype(np.float64), bound, what="tanh(-z)", against="-tanh(z)",
                     policy="float32 invariant", inputs={"z": z}, call="impl.tanh(-z)")
    elementwise.values(impl, "tanh", ANCHORS)   # pinned: tanh(0) = 0, and two more points (0 everywhere is odd too)


@spec("act.tanh.stability")
@given(z=large, guide=widths)
@example(z=np.array([-1e4, -100.0, -44.5, 44.5, 100.0, 1e4], dtype=np.float32), guide=WIDTH)
def test_tanh_stability(impl, z, guide):
    for z in sized(z, guide, -1e4, 1e4):
        got = elementwise.values(impl, "tanh", z)
        require(bool(((got >= -1) & (got <= 1)).all()), "tanh(z) left [-1, 1]", inputs={"z": z}, call="impl.tanh(z)")


# ------------------------------------------------------------------ relu, leaky relu
@spec("act.relu.values")
@given(z=large, guide=widths)
def test_relu_values(impl, z, guide):
    for x in sized(z, guide, -1e4, 1e4):
        elementwise.values(impl, "relu", x)


@spec("act.relu.gradient")
@given(z=kinkless, seed=seeds, guide=widths)
def test_relu_gradient(impl, z, seed, guide):
    for x in (z, away_from_kink(at_guide_size(z, guide, -8, 8))):
        elementwise.gradient(impl, "relu", x, seed)


def away_from_kink(z):
    """Moves elements within 1e-3 of 0 to +-1e-3, as the drawn inputs are (finite differences cross no kink)."""
    return np.where(np.abs(z) < 1e-3, np.copysign(1e-3, z), z)


@spec("act.relu.kink")
def test_relu_kink(impl):
    d = elementwise.single_derivative(impl, "relu", 0.0)
    require(0.0 <= d <= 1.0, f"d relu / dz at exactly 0 is {d!r}; any subgradient in [0, 1] is accepted")


@spec("act.leaky_relu.values")
@given(z=large, alpha=st.sampled_from([None, 0.01, 0.2, 0.5]), guide=widths)
@example(z=np.array([-3.0, 0.0, 2.0], dtype=np.float32), alpha=None, guide=WIDTH).via("variants: z = 0 | the default alpha")
@example(z=np.array([-5.0, -0.0, 7.5], dtype=np.float32), alpha=0.2, guide=WIDTH).via("variant: alpha given by keyword")
def test_leaky_relu_values(impl, z, alpha, guide):
    kwargs = {} if alpha is None else {"alpha": alpha}
    for x in sized(z, guide, -1e4, 1e4):
        elementwise.values(impl, "leaky_relu", x, **kwargs)


@spec("act.leaky_relu.gradient")
@given(z=kinkless, seed=seeds, alpha=st.sampled_from([None, 0.2]), guide=widths)
def test_leaky_relu_gradient(impl, z, seed, alpha, guide):
    kwargs = {} if alpha is None else {"alpha": alpha}
    for x in (z, away_from_kink(at_guide_size(z, guide, -8, 8))):
        elementwise.gradient(impl, "leaky_relu", x, seed, **kwargs)


@spec("act.leaky_relu.kink")
def test_leaky_relu_kink(impl):
    for alpha in (None, 0.2):
        kwargs = {} if alpha is None else {"alpha": alpha}
        d = elementwise.single_derivative(impl, "leaky_relu", 0.0, **kwargs)
        low = 0.01 if alpha is None else alpha
        require(low - 1e-12 <= d <= 1.0 + 1e-12,
                f"d leaky_relu / dz at exactly 0 (alpha={low}) is {d!r}; accepted: [{low}, 1]")


# ------------------------------------------------------------------ gelu
@spec("act.gelu.values")
@given(z=moderate, guide=widths)
@example(z=np.array([-2.27, -1.0, 0.0, 1.0, 2.27], dtype=np.float32), guide=WIDTH)
def test_gelu_values(impl, z, guide):
    for x in sized(z, guide, -20, 20):
        elementwise.values(impl, "gelu", x)


@spec("act.gelu.gradient")
@given(z=grad_inputs, seed=seeds, guide=widths)
def test_gelu_gradient(impl, z, seed, guide):
    for x in sized(z, guide, -8, 8):
        elementwise.gradient(impl, "gelu", x, seed)


@spec("act.gelu.approximation")
def test_gelu_approximation():
    z = np.linspace(-12, 12, 240_001)
    exact = z * 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))
    diff = np.abs(oracles.gelu(z) - exact)
    assert diff.max() <= 0.0204, f"max |z sigmoid(1.702 z) - z Phi(z)| = {diff.max()}"
    assert abs(z[diff.argmax()] + 2.27) < 0.05, f"the largest difference is at z = {z[diff.argmax()]}"
    assert diff[np.abs(z) >= 6].max() < 1e-3


# ------------------------------------------------------------------ softmax
@spec("act.softmax.values")
@given(z=moderate, guide=rows)
def test_softmax_values(impl, z, guide):
    for x in sized(z, guide, -20, 20):
        check_softmax(impl, x, axis=None, shifted=False)


@spec("act.softmax.gradient")
@given(z=grad_inputs, seed=seeds, guide=rows)
def test_softmax_gradient(impl, z, seed, guide):
    for z in sized(z, guide, -8, 8):
        check_gradients(lambda z: impl.softmax(z), lambda z: torch.softmax(z, dim=-1), {"z": z},
                        what="softmax(z)", call="impl.softmax(z)", seed=seed)


@spec("act.softmax.sums_to_one")
@given(z=large, guide=rows)
def test_softmax_sums_to_one(impl, z, guide):
    for z in sized(z, guide, -1e4, 1e4):
        p = tensor_result(impl.softmax(Tensor(z)), what="softmax(z)", shape=z.shape, dtype=np.float32,
                          inputs={"z": z}, call="impl.softmax(z)")
        require(bool(np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()),
                "softmax(z) has values outside [0, 1] (or NaN/inf)", inputs={"z": z}, call="impl.softmax(z)")
        sums = p.astype(np.float64).sum(axis=-1)
        k = z.shape[-1]
        assert_close(sums, np.ones_like(sums), forward_bound(np.float32, 1.0, n_terms=2 * k), what="the row sums of softmax(z)",
                     against="1", policy="float32, sum of K probabilities", inputs={"z": z}, call="impl.softmax(z)")
    # Rows of 1/K sum to one too: pinned on one row of distinct scores against the exact softmax.
    row = ANCHORS.reshape(1, -1)
    got = tensor_result(impl.softmax(Tensor(row)), what="softmax(z)", shape=row.shape, dtype=np.float32,
                        inputs={"z": row}, call="impl.softmax(z)")
    assert_close(got, oracles.softmax(row.astype(np.float64)), forward_bound(np.float32, 1.0, n_terms=2 * row.size),
                 what="softmax(z)", against="the exact softmax", policy="float32, shifted softmax", inputs={"z": row},
                 call="impl.softmax(z)")


@spec("act.softmax.shift_invariance")
@given(z=arrays(shapes(), -10, 10), shift=st.sampled_from([-1e4, -100.0, -1.5, 3.0, 200.0, 1e4]), guide=rows)
def test_softmax_shift_invariance(impl, z, shift, guide):
    for z in sized(z, guide, -10, 10):
        shifted = (z.astype(np.float64) + shift).astype(np.float32)
        base = tensor_result(impl.softmax(Tensor(z)), what="softmax(z)", shape=z.shape, dtype=np.float32)
        moved = tensor_result(impl.softmax(Tensor(shifted)), what="softmax(z + c)", shape=z.shape, dtype=np.float32,
                              inputs={"z": shifted}, call="impl.softmax(z)")
        # The shifted input is itself rounded to float32: compare each against the exact softmax of what it received.
        for got, inp in ((base, z), (moved, shifted)):
            z64 = inp.astype(np.float64)
            assert_close(got, oracles.softmax(z64), forward_bound(np.float32, oracles.softmax_scale(z64, shifted=True), n_terms=1),
                         what="softmax(z + c)" if inp is shifted else "softmax(z)", against="the exact softmax",
                         policy="float32, shifted softmax", inputs={"z": inp}, call="impl.softmax(z)")
        # And when the shift is exactly representable, the two outputs agree.
        exact = (shifted.astype(np.float64) - z.astype(np.float64)) == shift
        if exact.all():
            assert_close(moved, base, forward_bound(np.float32, oracles.softmax_scale(z.astype(np.float64), shifted=True), n_terms=2),
                         what="softmax(z + c)", against="softmax(z)", policy="float32 invariant",
                         inputs={"z": shifted}, call="impl.softmax(z)")


@spec("act.softmax.stability")
@given(z=large, guide=rows)
@example(z=np.array([[1e4, -1e4, 0.0], [1000.0, 999.0, 998.0]], dtype=np.float32), guide=ROW).via("variant: magnitudes of 1e4")
@example(z=np.array([[3.0e38, 1.0e30, -3.0e38], [-3.4e38, -3.4e38, 0.0]], dtype=np.float32), guide=ROW).via(
    "variant: float32's largest finite logits")
def test_softmax_stability(impl, z, guide):
    for x in sized(z, guide, -1e4, 1e4):
        check_softmax(impl, x, axis=None, shifted=True)


@spec("act.softmax.axis")
@given(z=arrays(shapes(2, 3), -20, 20), axis=st.integers(-3, 2))
@example(z=np.arange(30, dtype=np.float32).reshape(2, 3, 5) / 7, axis=0).via("variant: the first axis")
@example(z=np.arange(30, dtype=np.float32).reshape(2, 3, 5) / 7, axis=1).via("variant: a middle axis")
@example(z=np.arange(30, dtype=np.float32).reshape(2, 3, 5) / 7, axis=-2).via("variant: a negative axis")
def test_softmax_axis(impl, z, axis):
    axis = axis if -z.ndim <= axis < z.ndim else axis % z.ndim   # a drawn axis beyond a 2-D z wraps into it
    check_softmax(impl, z, axis=axis, shifted=False)


def check_softmax(impl, z, axis, shifted):
    __tracebackhide__ = True
    call = "impl.softmax(z)" if axis is None else f"impl.softmax(z, axis={axis})"
    out = impl.softmax(Tensor(z)) if axis is None else impl.softmax(Tensor(z), axis=axis)
    got = tensor_result(out, what=call.removeprefix("impl."), shape=z.shape, dtype=np.float32, inputs={"z": z}, call=call)
    ax = -1 if axis is None else axis
    z64 = z.astype(np.float64)
    bound = forward_bound(np.float32, oracles.softmax_scale(z64, ax, shifted=shifted))
    policy = f"float32, {SAFETY} ulp x scale, scale = p (K + |z_i| + max|z_j|)" + (" on z - max z" if shifted else "")
    assert_close(got, oracles.softmax(z64, ax), bound, what=call.removeprefix("impl."), against="the float64 formula",
                 policy=policy, inputs={"z": z}, call=call)
    assert_close(got, torch.softmax(torch.from_numpy(z64), dim=ax).numpy(), bound, what=call.removeprefix("impl."),
                 against="PyTorch (float64)", policy=policy, inputs={"z": z}, call=call)


# ------------------------------------------------------------------ why nonlinearity
@spec("act.linear_collapse")
@given(n_in=st.sampled_from([1, 3, 5]), hidden=st.sampled_from([2, 8]), n_out=st.sampled_from([1, 3]), seed=seeds)
def test_linear_collapse(impl, n_in, hidden, n_out, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, n_in)).astype(np.float32)
    l1, l2 = impl.Linear(n_in, hidden), impl.Linear(hidden, n_out)
    w1, b1 = (rng.standard_normal(s).astype(np.float32) for s in ((n_in, hidden), (hidden,)))
    w2, b2 = (rng.standard_normal(s).astype(np.float32) for s in ((hidden, n_out), (n_out,)))
    l1.w, l1.b, l2.w, l2.b = Tensor(w1), Tensor(b1), Tensor(w2), Tensor(b2)
    stacked = tensor_result(l2(l1(Tensor(x))), what="l2(l1(x))", shape=(4, n_out), dtype=np.float32)
    W, B = w1.astype(np.float64) @ w2, b1.astype(np.float64) @ w2 + b2
    one_map = x.astype(np.float64) @ W + B
    scale = (np.abs(x) @ np.abs(w1) + np.abs(b1)) @ np.abs(w2) + np.abs(b2)
    assert_close(stacked, one_map, forward_bound(np.float32, scale, n_terms=n_in + hidden + 2),
                 what="two Linear layers without activation", against="the single map x @ (W1 W2) + (b1 W2 + b2)",
                 policy="float32, two sums of products", inputs={"x": x}, call="l2(l1(x))")
