"""One test per erratum in spec/errata.md: each shows the guide's statement failing
(or its code misbehaving) and the corrected statement holding."""
import gzip
import importlib.metadata
import math
import os
import pathlib
import struct

import numpy as np
import pytest
import torch
from tinygrad import Context, Tensor

from aifund.training.datasets import data_dir
from tinygrad.nn.optim import Adam

pytestmark = pytest.mark.errata
REPO = pathlib.Path(__file__).resolve().parents[2]
DATA = data_dir()


def test_e01_parameter_count():
    layers = [784, 256, 128, 10]
    per_layer = [a * b + b for a, b in zip(layers, layers[1:])]
    assert per_layer == [200_960, 32_896, 1_290]
    assert sum(per_layer) == 235_146
    assert per_layer[0] != 201_216 and sum(per_layer) != 235_402
    # The guide's figure is what one gets by counting 785 inputs (the bias twice).
    assert 785 * 256 + 256 == 201_216


def test_e02_max_pool_example():
    x = torch.tensor([[1., 3, 2, 4], [5, 6, 7, 8], [3, 1, 4, 2], [7, 8, 5, 6]])[None, None]
    pooled = torch.nn.functional.max_pool2d(x, 2)[0, 0]
    assert pooled.tolist() == [[6, 8], [8, 6]]
    # The guide's 4x2 output is max over 1x2 windows, not 2x2.
    one_by_two = torch.nn.functional.max_pool2d(x, (1, 2))[0, 0]
    assert one_by_two.tolist() == [[3, 4], [6, 8], [3, 4], [8, 6]]


def test_e03_adam_epsilon_placement():
    m_hat, v_hat, lr, eps = 1e-9, 1e-18, 1e-3, 1e-8   # a rarely-updated parameter: tiny moments
    section_10 = lr * m_hat / (math.sqrt(v_hat) + eps)
    quick_reference = lr * m_hat / math.sqrt(v_hat + eps)
    assert abs(section_10 / quick_reference - 1) > 100   # not a rounding difference: 2 orders of magnitude
    # PyTorch follows section 10.
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([w], lr=lr, eps=eps)
    w.grad = torch.tensor([1e-9])
    opt.step()
    g = 1e-9
    expected = -lr * g / (abs(g) + eps)   # after one step m_hat = g, v_hat = g^2
    assert math.isclose(w.item(), expected, rel_tol=1e-5)


def test_e04_requires_grad_argument():
    with pytest.raises(TypeError, match="requires_grad"):
        Tensor([2.0], requires_grad=True)
    # What works today: every Tensor can receive a gradient.
    x = Tensor([2.0])
    (x * 3.0).sum().backward()
    assert x.grad.item() == 3.0


def test_e05_kaiming_uniform_fan():
    Tensor.manual_seed(0)
    n_in, n_out = 784, 10
    w = Tensor.kaiming_uniform(n_in, n_out).numpy().astype(np.float64)
    # bound = sqrt(6 / (1 + 0.01^2) / fan), fan = shape[1:] = n_out
    assert abs(np.abs(w).max() - math.sqrt(6 / 1.0001 / n_out)) < 0.01
    assert abs(w.var() / (2 / n_out) - 1) < 0.1          # variance follows n_out ...
    assert w.var() / (2 / n_in) > 50                      # ... and is 78x Kaiming's 2 / n_in


def test_e06_log_of_softmax_nan():
    # A correct, confident prediction: class 1 wins by 120 logits; class 0 underflows to 0 in float32.
    logits = Tensor(np.array([[0.0, 120.0, 5.0]], dtype=np.float32))
    y = Tensor(np.array([[0.0, 1.0, 0.0]], dtype=np.float32))
    out = logits.softmax()
    assert out.numpy()[0, 0] == 0.0
    guide_loss = -(y * out.log()).sum(axis=1).mean()
    assert math.isnan(guide_loss.item())
    # log_softmax (or clipping p before the log) gives the right, finite answer.
    stable = -(y * logits.log_softmax()).sum(axis=1).mean()
    assert 0 <= stable.item() < 1e-6


def test_e07_optimizer_needs_training_mode():
    w = Tensor.randn(3, 2)
    opt = Adam([w], lr=1e-3)
    (w * w).sum().backward()
    with pytest.raises(RuntimeError, match="TRAINING"):
        opt.step()
    with Context(TRAINING=1):
        opt.step()   # the fix


def _idx_count(path: pathlib.Path) -> int:
    with gzip.open(path, "rb") as f:
        magic, count = struct.unpack(">II", f.read(8))
    assert magic == 2049, f"{path} is not an IDX label file"
    return count


def test_e08_batches_per_epoch():
    labels = DATA / "mnist" / "train-labels-idx1-ubyte.gz"
    n_train = _idx_count(labels) if labels.exists() else 60_000
    batch = 64
    batches = len(range(0, n_train, batch))               # what the loop in section 14 actually runs
    assert n_train == 60_000 and batches == 938
    assert n_train // batch == 937                        # what the guide divides by


def test_e09_printing_a_gradient():
    x = Tensor([2.0])
    (x * x + x).sum().backward()
    assert "5.0" not in str(x.grad)
    assert x.grad.item() == 5.0 and x.grad.numpy().tolist() == [5.0]


def _tinygrad_root() -> pathlib.Path:
    import tinygrad
    return pathlib.Path(tinygrad.__file__).parent


def test_e10_tinygrad_size():
    root = _tinygrad_root()
    core = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in root.rglob("*.py")
               if not {"autogen", "runtime"} & set(p.relative_to(root).parts))
    assert core > 20 * 1000


def test_e11_source_file_map():
    root = _tinygrad_root()
    for gone in ("lazybuffer.py", "ops.py", "runtime/ops_gpu.py"):
        assert not (root / gone).exists(), gone
    for present in ("tensor.py", "uop/ops.py", "nn/optim.py", "runtime/ops_cpu.py", "runtime/ops_cl.py"):
        assert (root / present).exists(), present


def test_e12_tinygrad_python_requirement():
    requirement = importlib.metadata.metadata("tinygrad")["Requires-Python"]
    minimum = tuple(int(part) for part in requirement.removeprefix(">=").split("."))
    assert minimum >= (3, 11)
    jetson_nano_python = (3, 6)      # JetPack 4.6, Ubuntu 18.04
    assert jetson_nano_python < minimum


def test_e13_weight_layout():
    n_in, n_out = 3, 2
    W = np.ones((n_in, n_out))        # section 6: W has shape [n_inputs, n_neurons]
    x = np.ones(n_in)
    assert (x @ W).shape == (n_out,)
    with pytest.raises(ValueError):
        W @ x                          # the quick reference's Wx needs the transpose


def test_e14_cce_reduction():
    rng = np.random.default_rng(0)
    n, k = 4, 10
    p = rng.dirichlet(np.ones(k), n)
    y = np.eye(k)[rng.integers(0, k, n)]
    per_sample = -(y * np.log(p)).sum(1).mean()
    all_elements = -(y * np.log(p)).mean()
    assert math.isclose(per_sample / all_elements, k)
    torch_ce = torch.nn.functional.nll_loss(torch.log(torch.from_numpy(p)), torch.from_numpy(y.argmax(1)))
    assert math.isclose(torch_ce.item(), per_sample)


def test_e15_gelu_forms():
    z = np.linspace(-6, 6, 12_001)
    guide = z / (1 + np.exp(-1.702 * z))
    exact = z * 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))
    tiny = Tensor(z.astype(np.float32)).gelu().numpy().astype(np.float64)
    assert 0.020 < np.abs(guide - exact).max() < 0.0204
    assert np.abs(guide - tiny).max() > 0.02


def test_e16_batched_weight_gradient():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((3, 1))
    y = rng.standard_normal((5, 1))
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ((xt @ wt - torch.tensor(y)) ** 2).mean().backward()
    dL_dz = 2 * (x @ w - y) / y.size
    assert np.allclose(wt.grad.numpy(), x.T @ dL_dz)       # the batched form
    assert (dL_dz * x).shape == (5, 3) != w.shape            # "dL/dz · x" elementwise has the wrong shape


def test_e17_momentum_vs_pytorch():
    beta, lr, grads = 0.9, 0.1, [1.0, 1.0, 1.0]
    v, w_guide = 0.0, 0.0
    for g in grads:
        v = beta * v + (1 - beta) * g
        w_guide -= lr * v
    results = {}
    for dampening in (0.0, beta):
        w = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([w], lr=lr, momentum=beta, dampening=dampening)
        for g in grads:
            w.grad = torch.tensor([g])
            opt.step()
        results[dampening] = w.item()
    assert not math.isclose(results[0.0], w_guide, rel_tol=1e-3)
    assert not math.isclose(results[beta], w_guide, rel_tol=1e-3)
    # Scaling the gradient by (1 - beta) makes PyTorch's plain momentum equal the guide's.
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr, momentum=beta)
    for g in grads:
        w.grad = torch.tensor([(1 - beta) * g])
        opt.step()
    assert math.isclose(w.item(), w_guide, rel_tol=1e-6)


def test_e18_batch_norm_variance():
    z = torch.tensor([[1.0], [2.0], [4.0]], dtype=torch.float64)
    eps = 1e-12
    out = torch.nn.functional.batch_norm(z, None, None, training=True, eps=eps)
    biased = (z - z.mean()) / (z.var(unbiased=False) + eps).sqrt()
    unbiased = (z - z.mean()) / (z.var(unbiased=True) + eps).sqrt()
    assert torch.allclose(out, biased) and not torch.allclose(out, unbiased)


def test_e19_translation_equivariance():
    rng = np.random.default_rng(0)
    image = torch.zeros(1, 1, 28, 28, dtype=torch.float64)
    image[0, 0, 8:14, 6:12] = torch.from_numpy(rng.uniform(0.5, 1, (6, 6)))
    moved = torch.roll(image, shifts=(1, 1), dims=(2, 3))
    kernel = torch.from_numpy(rng.standard_normal((4, 1, 3, 3)))
    conv, conv_moved = (torch.nn.functional.conv2d(x, kernel, padding=1) for x in (image, moved))
    assert torch.allclose(torch.roll(conv, shifts=(1, 1), dims=(2, 3)), conv_moved)   # equivariant
    pool, pool_moved = (torch.nn.functional.max_pool2d(torch.relu(c), 2) for c in (conv, conv_moved))
    assert not torch.allclose(pool, pool_moved)                                       # not invariant
    head = torch.from_numpy(rng.standard_normal((4 * 14 * 14, 10)))
    logits, logits_moved = (p.flatten(1) @ head for p in (pool, pool_moved))
    assert (logits - logits_moved).abs().max() > 1e-3


def test_checked_claims():
    assert 0.8 * 3.5 + 0.3 * 45 - 2.0 == pytest.approx(14.3)
    assert 1 / (1 + math.exp(-14.3)) > 0.9999
    assert 224 * 224 * 3 == 150_528 and round(150_528 * 1024 / 1e6) == 154
    image = np.array([[1, 2, 3, 4, 5], [5, 6, 7, 8, 9]] * 2 + [[1, 2, 3, 4, 5]], dtype=float)
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)
    out = [[(image[i:i + 3, j:j + 3] * kernel).sum() for j in range(3)] for i in range(3)]
    assert out == [[14, 19, 24], [26, 31, 36], [14, 19, 24]]
    assert 64 * 7 * 7 == 3136
    mnist = DATA / "mnist"
    if (mnist / "t10k-labels-idx1-ubyte.gz").exists():
        assert _idx_count(mnist / "train-labels-idx1-ubyte.gz") + _idx_count(mnist / "t10k-labels-idx1-ubyte.gz") == 70_000
