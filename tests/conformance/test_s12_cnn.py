"""Section 12 of the guide: convolution, pooling and SimpleCNN (spec/s12_cnn.toml)."""
import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st
from aifund.remote import Tensor

from aifund.kit import oracles
from aifund.kit.check import assert_close, require, tensor_result
from aifund.kit.effects import assign_returned
from aifund.kit.gradients import check_gradients
from aifund.kit.strategies import GUIDE_SHAPES, guide_shapes, seeds
from aifund.kit.tolerance import composite_bound, forward_bound

spec = pytest.mark.spec
# (N, C_in, C_out, H, W, k, stride, padding): a short list, since tinygrad compiles per shape.
CONV_CASES = [(1, 1, 1, 5, 5, 3, 1, 0), (2, 3, 2, 6, 7, 3, 2, 1), (1, 2, 4, 8, 5, 2, 1, 2), (2, 1, 3, 7, 7, 3, 3, 1),
              (1, 4, 2, 4, 6, 1, 1, 0)]
POOL_CASES = [((1, 1, 4, 4), 2, None), ((2, 3, 7, 6), 3, 2), ((1, 2, 5, 8), 2, 1), ((2, 1, 9, 9), 3, None)]
# Each example also checks one of SimpleCNN's own stages (aifund/kit/strategies.py GUIDE_SHAPES): conv1 on a batch
# of 64 MNIST images, conv2 on 32-channel 14x14 maps; pool1 and pool2 (2x2) on those convolutions' outputs.
guide_convs = guide_shapes("conv")
guide_pools = st.sampled_from([(shape, 2, None) for shape in GUIDE_SHAPES["maps"]])
GUIDE_IMAGE = np.array([[1, 2, 3, 4, 5], [5, 6, 7, 8, 9], [1, 2, 3, 4, 5], [5, 6, 7, 8, 9], [1, 2, 3, 4, 5]], np.float32)
GUIDE_FILTER = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], np.float32)


@spec("conv.output_size.values")
@given(n=st.integers(1, 40), k=st.integers(1, 7), p=st.integers(0, 3), s=st.integers(1, 4))
@example(n=28, k=3, p=0, s=2).via("a stride that does not divide n + 2p - k: floor, not ceil or round")
@example(n=7, k=2, p=1, s=3).via("remainder 1 of 3: floor, not round or ceil")
def test_output_size_values(impl, n, k, p, s):
    if n + 2 * p < k:
        return  # no output: the formula is not asked about impossible shapes
    got = impl.conv_output_size(n, k, p, s)
    shape = torch.nn.functional.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p).shape
    require(type(got) is int and got == (n + 2 * p - k) // s + 1 == shape[-1],
            f"conv_output_size({n}, {k}, p={p}, s={s}) = {got!r}; floor(({n} + 2*{p} - {k}) / {s}) + 1 = "
            f"{(n + 2 * p - k) // s + 1}, PyTorch gives {shape[-1]}")


@spec("conv.output_size.guide_examples")
def test_output_size_guide_examples(impl):
    for args, expected in (((5, 3), 3), ((28, 3, 1), 28), ((28, 2, 0, 2), 14), ((14, 2, 0, 2), 7), ((224, 3, 1, 2), 112)):
        got = impl.conv_output_size(*args)
        require(got == expected, f"conv_output_size{args} = {got!r}, expected {expected}")
    require(impl.conv_output_size(5, 3, s=1) == 3 and impl.conv_output_size(5, 3, p=1) == 5,
            "conv_output_size must accept p and s as keywords, with defaults p=0, s=1")


def conv_call(case):
    return f"impl.conv2d(x, w, b, stride={case[6]}, padding={case[7]})"


@spec("conv.conv2d.values")
@given(case=st.sampled_from(CONV_CASES), seed=seeds, with_bias=st.booleans(), guide=guide_convs)
@example(case=CONV_CASES[0], seed=0, with_bias=True, guide=GUIDE_SHAPES["conv"][0]).via("variants: with a bias | padding 0")
@example(case=CONV_CASES[1], seed=1, with_bias=False, guide=GUIDE_SHAPES["conv"][0]).via(
    "variants: without a bias | padding > 0 | stride > 1")
def test_conv2d_values(impl, case, seed, with_bias, guide):
    for case in (case, guide):
        conv2d_values(impl, case, seed, with_bias)


def conv2d_values(impl, case, seed, with_bias):
    __tracebackhide__ = True
    n, ci, co, h, w_, k, s, p = case
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, (n, ci, h, w_)).astype(np.float32)
    w = rng.standard_normal((co, ci, k, k)).astype(np.float32)
    b = rng.standard_normal(co).astype(np.float32) if with_bias else None
    inputs = {"x": x, "w": w} | ({"b": b} if with_bias else {})
    call = conv_call(case) if with_bias else conv_call(case).replace(", b,", ", None,")
    out = impl.conv2d(Tensor(x), Tensor(w), Tensor(b) if with_bias else None, stride=s, padding=p)
    shape = (n, co, (h + 2 * p - k) // s + 1, (w_ + 2 * p - k) // s + 1)
    got = tensor_result(out, what="conv2d(x, w, b)", shape=shape, dtype=np.float32, inputs=inputs, call=call)
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    b64 = None if b is None else b.astype(np.float64)
    scale = oracles.conv2d(np.abs(x64), np.abs(w64), None if b is None else np.abs(b64), s, p)
    bound = forward_bound(np.float32, scale, n_terms=ci * k * k + 1)
    assert_close(got, oracles.conv2d(x64, w64, b64, s, p), bound, what="conv2d(x, w, b)",
                 against="the cross-correlation sum in float64", policy="float32 sum of products", inputs=inputs, call=call)
    ref = torch.nn.functional.conv2d(torch.from_numpy(x64), torch.from_numpy(w64),
                                     None if b is None else torch.from_numpy(b64), stride=s, padding=p)
    assert_close(got, ref.numpy(), bound, what="conv2d(x, w, b)", against="torch.nn.functional.conv2d (float64)",
                 policy="float32 sum of products", inputs=inputs, call=call)


@spec("conv.conv2d.gradient")
@given(case=st.sampled_from(CONV_CASES[:3]), seed=seeds)
def test_conv2d_gradient(impl, case, seed):
    n, ci, co, h, w_, k, s, p = case
    rng = np.random.default_rng(seed)
    inputs = {"x": rng.uniform(-2, 2, (n, ci, h, w_)), "w": rng.standard_normal((co, ci, k, k)),
              "b": rng.standard_normal(co)}
    check_gradients(lambda x, w, b: impl.conv2d(x, w, b, stride=s, padding=p),
                    lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=s, padding=p), inputs,
                    what="conv2d(x, w, b)", call=conv_call(case), seed=seed)


@spec("conv.conv2d.guide_example")
def test_conv2d_guide_example(impl):
    x, w = GUIDE_IMAGE[None, None], GUIDE_FILTER[None, None]
    got = tensor_result(impl.conv2d(Tensor(x), Tensor(w)), what="conv2d(guide image, guide filter)", shape=(1, 1, 3, 3),
                        dtype=np.float32, inputs={"x": x, "w": w}, call="impl.conv2d(x, w)")
    require(got[0, 0, 0, 0] == 14, f"the guide's example gives 14 at the top-left, got {got[0, 0, 0, 0]!r}")
    require(np.array_equal(got[0, 0], [[14, 19, 24], [26, 31, 36], [14, 19, 24]]),
            f"the guide's example gives [[14, 19, 24], [26, 31, 36], [14, 19, 24]], got {got[0, 0].tolist()}")
    asym = np.array([[1, 2, 0], [0, 0, 0], [0, 0, 0]], np.float32)[None, None]
    got = tensor_result(impl.conv2d(Tensor(x), Tensor(asym)), what="conv2d(guide image, asymmetric filter)",
                        shape=(1, 1, 3, 3), dtype=np.float32)
    require(got[0, 0, 0, 0] == 1 * 1 + 2 * 2, f"with filter [[1, 2, 0], 0, 0] the top-left is 1*1 + 2*2 = 5 "
                                              f"(cross-correlation, no kernel flip); got {got[0, 0, 0, 0]!r}")


@spec("pool.max_pool2d.values")
@given(case=st.sampled_from(POOL_CASES), seed=seeds, guide=guide_pools)
@example(case=POOL_CASES[0], seed=0, guide=(GUIDE_SHAPES["maps"][1], 2, None)).via("variant: stride None (the kernel size)")
@example(case=POOL_CASES[1], seed=1, guide=(GUIDE_SHAPES["maps"][1], 2, None)).via(
    "variants: overlapping windows (stride < kernel) | a window that does not fit, dropped")
def test_max_pool2d_values(impl, case, seed, guide):
    for case in (case, guide):
        max_pool2d_values(impl, case, seed)


def max_pool2d_values(impl, case, seed):
    __tracebackhide__ = True
    shape, kernel, stride = case
    x = np.random.default_rng(seed).uniform(-5, 5, shape).astype(np.float32)
    call = f"impl.max_pool2d(x, kernel={kernel}" + ("" if stride is None else f", stride={stride}") + ")"
    out = impl.max_pool2d(Tensor(x), kernel) if stride is None else impl.max_pool2d(Tensor(x), kernel, stride)
    ref = torch.nn.functional.max_pool2d(torch.from_numpy(x.astype(np.float64)), kernel, stride).numpy()
    got = tensor_result(out, what=call.removeprefix("impl."), shape=ref.shape, dtype=np.float32, inputs={"x": x}, call=call)
    for against, expected in (("the windows' maxima in float64", oracles.max_pool2d(x.astype(np.float64), kernel, stride)),
                              ("torch.nn.functional.max_pool2d", ref)):
        assert_close(got, expected, 0.0, what=call.removeprefix("impl."), against=against, policy="exact (a maximum is exact)",
                     inputs={"x": x}, call=call)


@spec("pool.max_pool2d.gradient")
@given(case=st.sampled_from(POOL_CASES[:3]), seed=seeds)
def test_max_pool2d_gradient(impl, case, seed):
    shape, kernel, stride = case
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.arange(np.prod(shape), dtype=np.float64)).reshape(shape) * 0.1   # distinct: no ties
    check_gradients(lambda x: impl.max_pool2d(x, kernel, stride or kernel),
                    lambda x: torch.nn.functional.max_pool2d(x, kernel, stride), {"x": x},
                    what=f"max_pool2d(x, {kernel}, {stride})", call=f"impl.max_pool2d(x, {kernel}, {stride or kernel})",
                    seed=seed)


@spec("pool.max_pool2d.guide_example")
def test_max_pool2d_guide_example(impl):
    x = np.array([[1, 3, 2, 4], [5, 6, 7, 8], [3, 1, 4, 2], [7, 8, 5, 6]], np.float32)[None, None]
    got = tensor_result(impl.max_pool2d(Tensor(x)), what="max_pool2d(guide's 4x4)", shape=(1, 1, 2, 2), dtype=np.float32,
                        inputs={"x": x}, call="impl.max_pool2d(x)")
    require(np.array_equal(got[0, 0], [[6, 8], [8, 6]]), f"the guide's 4x4 input pools to [[6, 8], [8, 6]], got {got[0, 0].tolist()}")


CNN_SHAPES = [(32, 1, 3, 3), (32,), (64, 32, 3, 3), (64,), (3136, 128), (128,), (128, 10), (10,)]


@pytest.fixture(scope="module")
def cnn_params():
    rng = np.random.default_rng(12)
    fans = [9, 1, 288, 1, 3136, 1, 128, 1]
    return [(rng.standard_normal(s) * np.sqrt(2.0 / f) * (0.5 if len(s) == 1 else 1)).astype(np.float32)
            for s, f in zip(CNN_SHAPES, fans)]


def cnn_with(impl, params):
    """SimpleCNN holding ``params``, written into what its parameters() returns inside the implementation's
    process (not through handles, whose identity is the worker's claim)."""
    cnn = impl.SimpleCNN()
    assign_returned(cnn, "parameters", params)
    return cnn


@spec("cnn.parameters")
def test_cnn_parameters(impl):
    params = impl.SimpleCNN().parameters()
    require(isinstance(params, list) and len(params) == 8, f"SimpleCNN().parameters() should list 8 Tensors, got {len(params)}")
    values = [tensor_result(p, what=f"SimpleCNN().parameters()[{i}]", shape=shape, dtype=np.float32)
              for i, (p, shape) in enumerate(zip(params, CNN_SHAPES))]
    require(sum(v.size for v in values) == 421_642, "SimpleCNN should have 421,642 parameters")


@spec("cnn.stage_shapes")
def test_cnn_stage_shapes(impl, cnn_params):
    x = np.random.default_rng(0).uniform(0, 1, (2, 1, 28, 28)).astype(np.float32)
    c1w, c1b, c2w, c2b = (Tensor(p) for p in cnn_params[:4])
    a = impl.conv2d(Tensor(x), c1w, c1b, padding=1)
    tensor_result(a, what="conv1", shape=(2, 32, 28, 28), dtype=np.float32)
    a = impl.max_pool2d(a.relu())
    tensor_result(a, what="pool1", shape=(2, 32, 14, 14), dtype=np.float32)
    a = impl.conv2d(a, c2w, c2b, padding=1)
    tensor_result(a, what="conv2", shape=(2, 64, 14, 14), dtype=np.float32)
    a = impl.max_pool2d(a.relu())
    tensor_result(a, what="pool2", shape=(2, 64, 7, 7), dtype=np.float32)
    tensor_result(a.reshape(2, -1), what="flatten", shape=(2, cnn_params[4].shape[0]), dtype=np.float32)  # 3136 = 64*7*7
    out = impl.SimpleCNN()(Tensor(x))
    tensor_result(out, what="SimpleCNN()(x)", shape=(2, 10), dtype=np.float32)


@spec("cnn.forward")
def test_cnn_forward(impl, cnn_params):
    x = np.random.default_rng(1).uniform(0, 1, (3, 1, 28, 28)).astype(np.float32)
    got = tensor_result(cnn_with(impl, cnn_params)(Tensor(x)), what="cnn(x)", shape=(3, 10), dtype=np.float32,
                        inputs={"x": x}, call="cnn(x)  # SimpleCNN with chosen weights")
    p64 = [p.astype(np.float64) for p in cnn_params]
    ref = oracles.torch_cnn(torch.from_numpy(x.astype(np.float64)), [torch.from_numpy(p) for p in p64]).numpy()
    assert_close(got, ref, composite_bound(np.float32, ref), what="cnn(x)",
                 against="the same network in PyTorch (float64), flatten in (C, H, W) order",
                 policy="float32 whole network: torch.testing's table, rtol 1.3e-6, atol 1e-5", inputs={"x": x},
                 call="cnn(x)")
    require(np.allclose(got.sum(1), 1, atol=1e-5), "cnn(x) rows should sum to 1 (softmax)")
