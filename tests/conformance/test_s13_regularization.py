"""Section 13 of the guide: weight decay, dropout, batch norm, early stopping
(spec/s13_regularization.toml); augmentation is in test_s13_augmentation.py."""
from statistics import NormalDist

import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st
from aifund.remote import Tensor

from aifund.kit import oracles
from aifund.kit.check import assert_close, require, tensor_result
from aifund.kit.gradients import check_gradients
from aifund.kit.strategies import GUIDE_SHAPES, guide_shapes, seeds
from aifund.kit.tolerance import forward_bound, gradient_bound

spec = pytest.mark.spec
Z_ONE_IN_A_MILLION = NormalDist().inv_cdf(1 - 1e-6 / 4)    # two statistics, two-sided
# Each example also checks an input of the guide's sizes (aifund/kit/strategies.py GUIDE_SHAPES): a batch of 64 at
# the MLP's widths, SimpleCNN's 32- and 64-channel maps, 28x28 images.
widths = guide_shapes("activations")


# ------------------------------------------------------------------ weight decay
@spec("reg.l2.values")
@given(seed=seeds, lam=st.sampled_from([1e-4, 0.5]), shapes=st.sampled_from([[(3,)], [(2, 3), (4,)], [(1,), (5, 2), (2,)]]))
def test_l2_values(impl, seed, lam, shapes):
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    call = f"impl.l2_penalty([w0, ...], {lam})"
    got = tensor_result(impl.l2_penalty([Tensor(w) for w in ws], lam), what="l2_penalty(params, lam)", shape=(),
                        dtype=np.float32, inputs={f"w{i}": w for i, w in enumerate(ws)}, call=call)
    exact = lam * sum(float((w.astype(np.float64) ** 2).sum()) for w in ws)
    n = sum(w.size for w in ws)
    bound = forward_bound(np.float32, exact, n_terms=n + 2)
    assert_close(got, exact, bound, what="l2_penalty", against="lam * sum(w^2) in float64", policy="float32 sum",
                 inputs={f"w{i}": w for i, w in enumerate(ws)}, call=call)
    ref = lam * sum((torch.from_numpy(w.astype(np.float64)) ** 2).sum() for w in ws)
    assert_close(got, ref.item(), bound, what="l2_penalty", against="PyTorch (float64)", policy="float32 sum",
                 inputs={f"w{i}": w for i, w in enumerate(ws)}, call=call)


@spec("reg.l2.gradient")
@given(seed=seeds, lam=st.sampled_from([1e-3, 0.7]))
def test_l2_gradient(impl, seed, lam):
    rng = np.random.default_rng(seed)
    inputs = {"w0": rng.standard_normal((3, 2)), "w1": rng.standard_normal(4)}
    check_gradients(lambda a, b: impl.l2_penalty([a, b], lam), lambda a, b: lam * ((a ** 2).sum() + (b ** 2).sum()),
                    inputs, what="l2_penalty([w0, w1], lam)", call=f"impl.l2_penalty([w0, w1], {lam})", seed=seed)


@spec("reg.l2.weight_decay")
@given(seed=seeds, lam=st.sampled_from([1e-3, 0.05]))
def test_l2_weight_decay(impl, seed, lam):
    rng = np.random.default_rng(seed)
    w0, x = rng.standard_normal((4, 2)), rng.standard_normal((5, 4))
    lr = 0.1
    w = Tensor(w0)
    opt = impl.SGD([w], lr=lr)
    loss = ((Tensor(x) @ w) ** 2).mean() + impl.l2_penalty([w], lam)
    opt.zero_grad()
    loss.backward()
    opt.step()
    got = tensor_result(w, what="w after one SGD step on L + l2_penalty", shape=w0.shape, dtype=np.float64)
    wt = torch.tensor(w0, requires_grad=True)
    topt = torch.optim.SGD([wt], lr=lr, weight_decay=2 * lam)
    ((torch.from_numpy(x) @ wt) ** 2).mean().backward()
    topt.step()
    expected = wt.detach().numpy()
    assert_close(got, expected, gradient_bound(np.abs(expected) + np.abs(w0)), what="SGD on L + l2_penalty(lam)",
                 against="torch.optim.SGD(weight_decay=2*lam) on L", policy="float64",
                 inputs={"w": w0, "x": x}, call=f"impl.SGD([w], lr={lr}) on mean((x @ w)^2) + l2_penalty([w], {lam})")


# ------------------------------------------------------------------ dropout
@spec("reg.dropout.inference")
@given(p=st.sampled_from([0.0, 0.3, 0.9]), seed=seeds, guide=widths)
@example(p=0.0, seed=0, guide=GUIDE_SHAPES["activations"][0]).via("variant: p = 0")
def test_dropout_inference(impl, p, seed, guide):
    for shape in ((4, 5), guide):
        dropout_inference(impl, p, np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def dropout_inference(impl, p, x):
    __tracebackhide__ = True
    got = tensor_result(impl.dropout(Tensor(x), p, training=False), what="dropout(x, p, training=False)", shape=x.shape,
                        dtype=np.float32)
    require(np.array_equal(got, x), f"dropout(x, p={p}, training=False) changed x: inference must use every neuron as is")


@spec("reg.dropout.survivors")
@given(p=st.sampled_from([0.1, 0.5, 0.8]), seed=seeds, guide=widths)
def test_dropout_survivors(impl, p, seed, guide):
    for shape in ((8, 64), guide):
        dropout_survivors(impl, p, np.random.default_rng(seed).uniform(0.5, 2.0, shape).astype(np.float32))


def dropout_survivors(impl, p, x):
    __tracebackhide__ = True
    got = tensor_result(impl.dropout(Tensor(x), p), what=f"dropout(x, {p})", shape=x.shape, dtype=np.float32)
    scaled = x.astype(np.float64) / (1 - p)
    kept = got != 0
    bound = forward_bound(np.float32, scaled, n_terms=2)
    require(bool((np.abs(got[kept] - scaled[kept]) <= bound[kept]).all()),
            f"dropout(x, {p}): the surviving elements should be x / (1 - p); worst ratio got/x = "
            f"{(got[kept] / x[kept]).max() if kept.any() else 'n/a'}, expected {1 / (1 - p):.6g}")
    same = tensor_result(impl.dropout(Tensor(x), 0.0), what="dropout(x, 0)", shape=x.shape, dtype=np.float32)
    require(np.array_equal(same, x), "dropout(x, 0) in training must return x unchanged")


@spec("reg.dropout.statistics")
@given(p=st.sampled_from([0.1, 0.5, 0.8]))
def test_dropout_statistics(impl, p):
    n = 200_000
    x = np.ones(n, np.float32)
    first = tensor_result(impl.dropout(Tensor(x), p), what=f"dropout(ones, {p})", shape=(n,), dtype=np.float32)
    second = tensor_result(impl.dropout(Tensor(x), p), what=f"dropout(ones, {p})", shape=(n,), dtype=np.float32)
    frac = float((first == 0).mean())
    frac_bound = Z_ONE_IN_A_MILLION * np.sqrt(p * (1 - p) / n)
    require(abs(frac - p) <= frac_bound,
            f"dropout(x, {p}) zeroed {frac:.4f} of {n} elements; expected p = {p} (± {frac_bound:.4f})")
    mean_bound = Z_ONE_IN_A_MILLION * np.sqrt(p / (1 - p) / n)
    mean = float(first.astype(np.float64).mean())
    require(abs(mean - 1) <= mean_bound,
            f"the mean of dropout(ones, {p}) is {mean:.4f}; the expectation must be preserved (1 ± {mean_bound:.4f})")
    require(not np.array_equal(first, second), "two calls of dropout gave the same mask: the mask must be random per call")


# ------------------------------------------------------------------ batch norm
BN_SHAPES = [(8, 3), (2, 5), (4, 3, 5, 5), (2, 2, 3, 4)]
BN_GUIDE = st.sampled_from([GUIDE_SHAPES["activations"][1], *GUIDE_SHAPES["maps"]])   # (64, 256), conv outputs


@spec("reg.batch_norm.values")
@given(shape=st.sampled_from(BN_SHAPES), seed=seeds, offset=st.sampled_from([0.0, 3.0]), guide=BN_GUIDE)
@example(shape=BN_SHAPES[0], seed=0, offset=3.0, guide=GUIDE_SHAPES["activations"][1]).via("variant: (N, F) input")
@example(shape=BN_SHAPES[3], seed=1, offset=0.0, guide=GUIDE_SHAPES["maps"][1]).via("variant: (N, C, H, W) input")
def test_batch_norm_values(impl, shape, seed, offset, guide):
    for shape in (shape, guide):
        batch_norm_values(impl, shape, seed, offset)


def batch_norm_values(impl, shape, seed, offset):
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal(shape) * rng.uniform(0.5, 3) + offset).astype(np.float32)
    gamma, beta = rng.uniform(0.5, 2, shape[1]).astype(np.float32), rng.standard_normal(shape[1]).astype(np.float32)
    inputs, call = {"z": z, "gamma": gamma, "beta": beta}, "impl.batch_norm(z, gamma, beta)"
    got = tensor_result(impl.batch_norm(Tensor(z), Tensor(gamma), Tensor(beta)), what="batch_norm(z, gamma, beta)",
                        shape=shape, dtype=np.float32, inputs=inputs, call=call)
    z64, g64, b64 = (a.astype(np.float64) for a in (z, gamma, beta))
    ref = torch.nn.functional.batch_norm(torch.from_numpy(z64), None, None, torch.from_numpy(g64), torch.from_numpy(b64),
                                         training=True, eps=1e-5).numpy()
    axes = (0,) if z.ndim == 2 else (0, 2, 3)
    bshape = (1, -1) if z.ndim == 2 else (1, -1, 1, 1)
    mu, var = z64.mean(axes, keepdims=True), z64.var(axes, keepdims=True)
    exact = (z64 - mu) / np.sqrt(var + 1e-5) * g64.reshape(bshape) + b64.reshape(bshape)
    count = z.size // z.shape[1]
    # Errors of the mean and variance (sums of `count` terms) relative to sigma, magnified by |gamma|.
    scale = np.abs(g64.reshape(bshape)) * (np.abs(z64 - mu) + np.abs(z64).max(axis=axes, keepdims=True)) / np.sqrt(var + 1e-5) \
        + np.abs(b64.reshape(bshape))
    bound = forward_bound(np.float32, scale, n_terms=2 * count + 4)
    for against, expected in (("the formula in float64 (biased variance)", exact),
                              ("torch.nn.functional.batch_norm(training=True) (float64)", ref)):
        assert_close(got, expected, bound, what="batch_norm(z, gamma, beta)", against=against, policy="float32, sums over the batch",
                     inputs=inputs, call=call)


@spec("reg.batch_norm.gradient")
@given(shape=st.sampled_from(BN_SHAPES), seed=seeds)
def test_batch_norm_gradient(impl, shape, seed):
    # and at the guide's hidden width 128, batch 64 (the cheapest of its sizes to differentiate)
    for shape in (shape, GUIDE_SHAPES["activations"][2]):
        rng = np.random.default_rng(seed)
        inputs = {"z": rng.standard_normal(shape) * 2, "gamma": rng.uniform(0.5, 2, shape[1]),
                  "beta": rng.standard_normal(shape[1])}
        check_gradients(impl.batch_norm,
                        lambda z, g, b: torch.nn.functional.batch_norm(z, None, None, g, b, training=True, eps=1e-5),
                        inputs, what="batch_norm(z, gamma, beta)", call="impl.batch_norm(z, gamma, beta)", seed=seed)


# ------------------------------------------------------------------ early stopping
@spec("early.guide_example")
def test_early_stopping_guide_example(impl):
    stopper = impl.EarlyStopping(patience=1)
    said = [stopper.step(v) for v in (2.3, 1.3, 0.8, 1.1, 1.4)]
    require(said[:3] == [False, False, False] and said[3] is True,
            f"with patience 1 the guide's losses 2.3, 1.3, 0.8, 1.1 should give False, False, False, True; got {said[:4]}")
    require(stopper.best_loss == 0.8 and stopper.best_epoch == 2,
            f"best_loss / best_epoch should be 0.8 / 2 (the guide's epoch 10), got {stopper.best_loss} / {stopper.best_epoch}")


INF, NAN = float("inf"), float("nan")


@spec("early.reference")
@given(losses=st.lists(st.sampled_from([0.5, 0.8, 0.9, 0.95, 1.0, 1.2, 2.0, INF, NAN, -INF]), min_size=1, max_size=25),
       patience=st.integers(1, 4), min_delta=st.sampled_from([None, 0.0, 0.05, 0.2]))
@example(losses=[INF, 2.0, INF, 1.0], patience=1, min_delta=None).via("variant: inf as the first loss")
@example(losses=[NAN, NAN, 1.0, NAN, 0.5], patience=2, min_delta=0.0).via("variant: NaN as the first loss")
@example(losses=[1.0, -INF, 0.9, 0.9], patience=3, min_delta=None).via("variant: -inf after a finite loss")
@example(losses=[1.0, 0.95, 0.9, 0.9, 2.0], patience=2, min_delta=0.05).via("variant: an improvement of exactly min_delta")
@example(losses=[1.0, 1.0, 0.5], patience=1, min_delta=0.0).via("variant: a loss equal to best_loss")
def test_early_stopping_reference(impl, losses, patience, min_delta):
    kwargs = {} if min_delta is None else {"min_delta": min_delta}
    stopper = impl.EarlyStopping(patience, **kwargs)
    expected = oracles.early_stopping_reference(losses, patience, min_delta or 0.0)
    for call, (loss, (stop, best, best_epoch)) in enumerate(zip(losses, expected)):
        got = stopper.step(loss)
        # best_loss is never NaN in the oracle (a NaN never improves), so == is the comparison for inf as well.
        require(bool(got) == stop and stopper.best_loss == best and stopper.best_epoch == best_epoch,
                f"EarlyStopping(patience={patience}, min_delta={min_delta or 0.0}) on losses {losses[:call + 1]}: "
                f"call {call} returned {got!r} with best_loss={stopper.best_loss!r}, best_epoch={stopper.best_epoch!r}; "
                f"expected {stop} with best_loss={best!r}, best_epoch={best_epoch}")
