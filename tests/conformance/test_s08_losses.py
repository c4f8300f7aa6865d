"""Section 8 of the guide: losses (spec/s08_losses.toml)."""
import math

import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st
from aifund.remote import Tensor

from aifund.kit import oracles
from aifund.kit.check import assert_close, require, tensor_result
from aifund.kit.gradients import check_gradients
from aifund.kit.strategies import (arrays, at_guide_size, guide_shapes, one_hot, prob_rows, probabilities, seeds,
                                   shapes)
from aifund.kit.tolerance import forward_bound

spec = pytest.mark.spec
POLICY = "float32, mean of N terms"
batch_classes = st.tuples(st.sampled_from([1, 2, 3, 8]), st.sampled_from([2, 3, 10]))
# Each example also checks a batch of 10-class rows of the guide's sizes (aifund/kit/strategies.py GUIDE_SHAPES),
# built from the drawn values or seed.
rows = guide_shapes("rows")


def scalar(out, what, dtype, inputs, call) -> float:
    __tracebackhide__ = True
    return float(tensor_result(out, what=what, shape=(), dtype=dtype, inputs=inputs, call=call))


def check_loss(name, got, ref, torch_ref, scale, n_terms, inputs, call):
    __tracebackhide__ = True
    bound = forward_bound(np.float32, scale, n_terms=n_terms)
    assert_close(got, ref, bound, what=name, against="the guide's formula in float64", policy=POLICY,
                 inputs=inputs, call=call)
    assert_close(got, torch_ref, bound, what=name, against="PyTorch (float64)", policy=POLICY, inputs=inputs, call=call)


# ------------------------------------------------------------------ MSE
@spec("loss.mse.values")
@given(y_pred=arrays(shapes(), -10, 10), seed=seeds, guide=rows)
def test_mse_values(impl, y_pred, seed, guide):
    check_mse(impl, y_pred, seed)
    check_mse(impl, at_guide_size(y_pred, guide, -10, 10), seed)


def check_mse(impl, y_pred, seed):
    __tracebackhide__ = True
    y_true = np.random.default_rng(seed).uniform(-10, 10, y_pred.shape).astype(np.float32)
    inputs, call = {"y_pred": y_pred, "y_true": y_true}, "impl.mse(y_pred, y_true)"
    got = scalar(impl.mse(Tensor(y_pred), Tensor(y_true)), "mse(y_pred, y_true)", np.float32, inputs, call)
    p, t = y_pred.astype(np.float64), y_true.astype(np.float64)
    torch_ref = torch.nn.functional.mse_loss(torch.from_numpy(p), torch.from_numpy(t)).item()
    check_loss("mse(y_pred, y_true)", got, oracles.mse(p, t), torch_ref, oracles.mse_scale(p, t), y_pred.size + 2,
               inputs, call)


@spec("loss.mse.gradient")
@given(y_pred=arrays(shapes(max_dims=2), -5, 5, dtype=np.float64), seed=seeds, guide=rows)
def test_mse_gradient(impl, y_pred, seed, guide):
    for y_pred in (y_pred, at_guide_size(y_pred, guide, -5, 5)):
        y_true = np.random.default_rng(seed).uniform(-5, 5, y_pred.shape)
        check_gradients(impl.mse, torch.nn.functional.mse_loss, {"y_pred": y_pred, "y_true": y_true},
                        what="mse(y_pred, y_true)", call="impl.mse(y_pred, y_true)", seed=seed)


# ------------------------------------------------------------------ BCE
@spec("loss.bce.values")
@given(p=probabilities(shapes()), seed=seeds, guide=rows)
def test_bce_values(impl, p, seed, guide):
    check_bce(impl, p, seed)
    check_bce(impl, at_guide_size(p, guide, 1e-3, 1 - 1e-3), seed)


def check_bce(impl, p, seed):
    __tracebackhide__ = True
    y = (np.random.default_rng(seed).random(p.shape) < 0.5).astype(np.float32)
    inputs, call = {"p": p, "y": y}, "impl.binary_cross_entropy(p, y)"
    got = scalar(impl.binary_cross_entropy(Tensor(p), Tensor(y)), "binary_cross_entropy(p, y)", np.float32, inputs, call)
    p64, y64 = p.astype(np.float64), y.astype(np.float64)
    torch_ref = oracles.torch_bce(torch.from_numpy(p64), torch.from_numpy(y64)).item()
    check_loss("binary_cross_entropy(p, y)", got, oracles.bce(p64, y64), torch_ref, oracles.bce_scale(p64, y64),
               p.size + 2, inputs, call)


@spec("loss.bce.gradient")
@given(p=probabilities(shapes(max_dims=2), lo=0.05, dtype=np.float64), seed=seeds, guide=rows)
def test_bce_gradient(impl, p, seed, guide):
    for p in (p, at_guide_size(p, guide, 0.05, 0.95)):
        y = (np.random.default_rng(seed).random(p.shape) < 0.5).astype(np.float64)
        check_gradients(impl.binary_cross_entropy, oracles.torch_bce, {"p": p, "y": y}, wrt=("p",),
                        what="binary_cross_entropy(p, y)", call="impl.binary_cross_entropy(p, y)", seed=seed)


@spec("loss.bce.extremes")
@given(p=probabilities(shapes(max_dims=1, sides=(2, 3, 5, 8)), lo=0.05), seed=seeds)
@example(p=np.array([0.5, 0.5], np.float32), seed=0).via("variant: p = 0 and p = 1 against both labels")
def test_bce_extremes(impl, p, seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(p.shape) < 0.5).astype(np.float32)
    y[:2] = (0.0, 1.0)   # both labels in every example: clipping from one side only is not enough
    # Agreeing extremes: p = y exactly (p = 0 at label 0, p = 1 at label 1). Their exact contribution is 0.
    agree = p.copy()
    agree[:2] = y[:2]
    inputs, call = {"p": agree, "y": y}, "impl.binary_cross_entropy(p, y)"
    got = scalar(impl.binary_cross_entropy(Tensor(agree), Tensor(y)), "binary_cross_entropy(p, y)", np.float32,
                 inputs, call)
    rest = -(y[2:] * np.log(p[2:].astype(np.float64)) + (1 - y[2:]) * np.log(1 - p[2:].astype(np.float64))).sum() / p.size
    require(math.isfinite(got) and abs(got - rest) <= 1e-3,
            f"binary_cross_entropy with p exactly equal to its label at elements 0 and 1 (p = 0, y = 0 and p = 1, y = 1) gave {got!r}; "
            f"expected the other elements' loss {rest:.6g} (within 1e-3): 0 log 0 counts as 0",
            inputs=inputs, call=call)
    # Confidently wrong extremes: p = 1 - y. Any finite, non-negative value is accepted.
    wrong = p.copy()
    wrong[:2] = 1 - y[:2]
    inputs = {"p": wrong, "y": y}
    got = scalar(impl.binary_cross_entropy(Tensor(wrong), Tensor(y)), "binary_cross_entropy(p, y)", np.float32,
                 inputs, call)
    require(math.isfinite(got) and got >= 0,
            f"binary_cross_entropy with p = 1 where y = 0 and p = 0 where y = 1 gave {got!r}: it must stay finite "
            "(clip p into [eps, 1 - eps] with an eps that float32 can represent next to 1, e.g. 1e-7)",
            inputs=inputs, call=call)


@spec("loss.bce.guide_intuition")
def test_bce_guide_intuition(impl):
    def bce(p, y):
        arrays = {"p": np.array([p], np.float32), "y": np.array([y], np.float32)}
        return scalar(impl.binary_cross_entropy(Tensor(arrays["p"]), Tensor(arrays["y"])), "binary_cross_entropy(p, y)",
                      np.float32, arrays, "impl.binary_cross_entropy(p, y)")
    confident, unsure = bce(0.99, 0.0), bce(0.5, 0.0)
    require(abs(confident - 4.60517) <= 1e-4 * 4.6, f"BCE(p=0.99, y=0) = {confident!r}, expected -log(0.01) = 4.60517")
    require(abs(unsure - 0.693147) <= 1e-4, f"BCE(p=0.5, y=0) = {unsure!r}, expected -log(0.5) = 0.693147")


# ------------------------------------------------------------------ CCE
@spec("loss.cce.values")
@given(shape=batch_classes, seed=seeds, guide=rows)
def test_cce_values(impl, shape, seed, guide):
    for n, k in (shape, guide):
        cce_values(impl, n, k, seed)


def cce_values(impl, n, k, seed):
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    p, y = prob_rows(n, k, rng), one_hot(rng.integers(0, k, n), k)
    inputs, call = {"p": p, "y": y}, "impl.categorical_cross_entropy(p, y)"
    got = scalar(impl.categorical_cross_entropy(Tensor(p), Tensor(y)), "categorical_cross_entropy(p, y)", np.float32,
                 inputs, call)
    p64, y64 = p.astype(np.float64), y.astype(np.float64)
    torch_ref = torch.nn.functional.nll_loss(torch.log(torch.from_numpy(p64)), torch.from_numpy(y64.argmax(1))).item()
    check_loss("categorical_cross_entropy(p, y)", got, oracles.cce(p64, y64), torch_ref, oracles.cce_scale(p64, y64),
               n * k + 2, inputs, call)


@spec("loss.cce.gradient")
@given(shape=batch_classes, seed=seeds, guide=rows)
def test_cce_gradient(impl, shape, seed, guide):
    for n, k in (shape, guide):
        cce_gradient(impl, n, k, seed)


def cce_gradient(impl, n, k, seed):
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    p, y = prob_rows(n, k, rng, floor=0.02, dtype=np.float64), one_hot(rng.integers(0, k, n), k, np.float64)
    check_gradients(impl.categorical_cross_entropy, oracles.torch_cce, {"p": p, "y": y}, wrt=("p",),
                    what="categorical_cross_entropy(p, y)", call="impl.categorical_cross_entropy(p, y)", seed=seed)


@spec("loss.cce.zero_probabilities")
@given(shape=batch_classes.filter(lambda s: s[1] >= 3), seed=seeds, guide=rows)
def test_cce_zero_probabilities(impl, shape, seed, guide):
    for n, k in (shape, guide):
        cce_zero_probabilities(impl, n, k, seed)


def cce_zero_probabilities(impl, n, k, seed):
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    y = one_hot(labels, k)
    p = prob_rows(n, k, rng).astype(np.float64)
    wrong = (labels + 1) % k
    p[np.arange(n), wrong] = 0.0                      # a zero where y = 0: contributes nothing
    p /= p.sum(1, keepdims=True)
    p = p.astype(np.float32)
    inputs, call = {"p": p, "y": y}, "impl.categorical_cross_entropy(p, y)"
    got = scalar(impl.categorical_cross_entropy(Tensor(p), Tensor(y)), "categorical_cross_entropy(p, y)", np.float32,
                 inputs, call)
    p64 = p.astype(np.float64)
    assert_close(got, oracles.cce(p64, y.astype(np.float64)),
                 forward_bound(np.float32, oracles.cce_scale(p64, y.astype(np.float64)), n * k + 2),
                 what="categorical_cross_entropy(p, y) with zeros in p where y = 0", against="the formula with 0 log 0 = 0",
                 policy=POLICY, inputs=inputs, call=call)
    # The true class at probability 0: infinite in exact arithmetic; any finite value is accepted.
    p2 = p.copy()
    p2[0, labels[0]] = 0.0
    got = scalar(impl.categorical_cross_entropy(Tensor(p2), Tensor(y)), "categorical_cross_entropy(p, y)", np.float32,
                 {"p": p2, "y": y}, call)
    require(math.isfinite(got) and got >= 0,
            f"categorical_cross_entropy with probability 0 at the true class gave {got!r}; it must stay finite "
            "(clip p from below before the log)", inputs={"p": p2, "y": y}, call=call)


@spec("loss.cce.mean_over_samples")
@given(shape=batch_classes, seed=seeds, guide=rows)
def test_cce_mean_over_samples(impl, shape, seed, guide):
    for n, k in (shape, guide):
        cce_mean_over_samples(impl, n, k, seed)


def cce_mean_over_samples(impl, n, k, seed):
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    p, y = prob_rows(n, k, rng), one_hot(rng.integers(0, k, n), k)
    call = "impl.categorical_cross_entropy(p, y)"
    base = scalar(impl.categorical_cross_entropy(Tensor(p), Tensor(y)), "CCE(p, y)", np.float32, {"p": p, "y": y}, call)
    twice = (np.concatenate([p, p]), np.concatenate([y, y]))
    doubled = scalar(impl.categorical_cross_entropy(Tensor(twice[0]), Tensor(twice[1])), "CCE of the batch repeated twice",
                     np.float32, {"p": twice[0], "y": twice[1]}, call)
    wide = (np.concatenate([p, np.zeros_like(p)], 1), np.concatenate([y, np.zeros_like(y)], 1))
    widened = scalar(impl.categorical_cross_entropy(Tensor(wide[0]), Tensor(wide[1])),
                     "CCE with K extra classes of probability 0 and label 0", np.float32, {"p": wide[0], "y": wide[1]}, call)
    bound = float(forward_bound(np.float32, oracles.cce_scale(p.astype(np.float64), y.astype(np.float64)), 4 * n * k + 2))
    require(abs(doubled - base) <= bound,
            f"repeating the batch changed the loss from {base:.7g} to {doubled:.7g}: CCE is a mean over samples",
            inputs={"p": p, "y": y}, call=call)
    require(abs(widened - base) <= bound,
            f"adding {k} classes with y = 0 changed the loss from {base:.7g} to {widened:.7g}: CCE sums over classes "
            "and averages over samples (N), not over all N*K elements", inputs={"p": p, "y": y}, call=call)
