"""Training throughput: the reference MLP (784-256-128-10) in tinygrad against the same model in PyTorch.

    .venv/bin/python benchmarks/train_throughput.py [--batch 64 128 512] [--steps 60] [--rounds 3] [--no-gate]
    DEV=CPU:LLVM BEAM=2 .venv/bin/python benchmarks/train_throughput.py     # another tinygrad backend / search

Both train on the same mnist-5k batches with Adam and cross-entropy on the
logits, in this one process; samples per second are measured after a warm-up
(tinygrad compiles and captures its TinyJit step during it). The frameworks
take turns, round after round, so that a busy machine slows both alike.
PyTorch is measured with its default thread count and with one thread, and the
ratio is against the faster of the two: on a shared machine PyTorch's
multi-threaded kernels can lose ten times their speed while the other thread
waits for a core, which would flatter tinygrad. Beside each ratio, a matrix
product probe (the step's largest: 128x784 @ 784x256) gives tinygrad's and
PyTorch's GFLOPS, the ceiling the training ratio lives under. Finally the wall
time each needs to pass the MLP accuracy gate (92% on the official test set).
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from tinygrad import Device, Tensor, TinyJit
from tinygrad.helpers import BEAM, Context

from aifund.reference.layers import MLP
from aifund.reference.optim import Adam
from aifund.training.datasets import load_dataset
from aifund.training.training import make_step, recipe, train

PROBE_SHAPE = (128, 784, 256)   # (rows, inner, columns) of the first layer's product at batch 128


def batches(n_samples: int, batch: int, count: int) -> list[np.ndarray]:
    order = np.random.default_rng(0).permutation(n_samples)
    return [order[(i * batch) % (n_samples - batch):][:batch] for i in range(count)]


def tinygrad_rate(x, y, batch, steps, warmup=5) -> float:
    Tensor.manual_seed(0)
    model = MLP([784, 256, 128, 10])
    step = make_step(model, Adam(model.parameters(), lr=1e-3))
    lr = Tensor([1e-3]).realize()
    chosen = batches(len(x), batch, steps + warmup)
    with Context(TRAINING=1):
        for idx in chosen[:warmup]:
            step(Tensor(x[idx]), Tensor(y[idx]), lr).item()
        start = time.perf_counter()
        for idx in chosen[warmup:]:
            loss = step(Tensor(x[idx]), Tensor(y[idx]), lr)
        loss.item()
    return steps * batch / (time.perf_counter() - start)


def torch_rate(x, y, batch, steps, threads, warmup=5) -> float:
    default_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                    torch.nn.ReLU(), torch.nn.Linear(128, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
        chosen = [torch.from_numpy(idx) for idx in batches(len(x), batch, steps + warmup)]

        def one(idx):
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        for idx in chosen[:warmup]:
            one(idx)
        start = time.perf_counter()
        for idx in chosen[warmup:]:
            one(idx)
        return steps * batch / (time.perf_counter() - start)
    finally:
        torch.set_num_threads(default_threads)


def matmul_gflops(repeats: int, torch_threads: list[int]) -> tuple[float, dict[int, float]]:
    """GFLOPS of PROBE_SHAPE's product: tinygrad (jitted, as in the step) and PyTorch per thread count."""
    m, k, n = PROBE_SHAPE
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
    flop = 2 * m * k * n
    product = TinyJit(lambda p, q: (p @ q).realize())
    ta, tb = Tensor(a).realize(), Tensor(b).realize()
    for _ in range(3):
        out = product(ta, tb)
    assert np.allclose(out.numpy(), a @ b, rtol=1e-4, atol=1e-3), "tinygrad's product disagrees with numpy's"
    start = time.perf_counter()
    for _ in range(repeats):
        out = product(ta, tb)
    Device[out.device].synchronize()
    tiny = flop * repeats / (time.perf_counter() - start) / 1e9
    pa, pb = torch.from_numpy(a), torch.from_numpy(b)
    default_threads, peer = torch.get_num_threads(), {}
    try:
        for threads in torch_threads:
            torch.set_num_threads(threads)
            for _ in range(3):
                pa @ pb
            start = time.perf_counter()
            for _ in range(repeats):
                pa @ pb
            peer[threads] = flop * repeats / (time.perf_counter() - start) / 1e9
    finally:
        torch.set_num_threads(default_threads)
    return tiny, peer


def backend() -> str:
    device = Device[Device.DEFAULT]
    return (f"tinygrad {Device.DEFAULT} with {type(device.renderer).__name__}, BEAM={BEAM.value}, "
            f"{os.environ.get('NUM_CPU_THREADS', 'all')} CPU threads (DEV={os.environ.get('DEV', 'default')})")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, nargs="+", default=[64, 128, 512])
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--rounds", type=int, default=3, help="turns each framework takes per batch size")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--no-gate", action="store_true", help="skip the time-to-gate measurement")
    args = p.parse_args(argv)
    data = load_dataset("mnist-5k", args.data_dir)
    x, y = data.x_train, data.y_train.astype(np.int32)
    threads = sorted({torch.get_num_threads(), 1}, reverse=True)
    print(backend())
    print(f"PyTorch {torch.__version__} with {' and '.join(map(str, threads))} thread(s); {args.steps} timed steps "
          f"per measurement, {args.rounds} round(s) in turn; ratio = tinygrad / the faster PyTorch")
    head = "".join(f"{f'torch {t}T':>11}" for t in threads)
    print(f"{'batch':>6} {'round':>5} {'tinygrad':>9}{head} {'ratio':>6}   samples/s")
    for batch in args.batch:
        for r in range(args.rounds):
            tiny = tinygrad_rate(x, y, batch, args.steps)
            peer = {t: torch_rate(x, y, batch, args.steps, t) for t in threads}
            cols = "".join(f"{peer[t]:>11,.0f}" for t in threads)
            print(f"{batch:>6} {r + 1:>5} {tiny:>9,.0f}{cols} {tiny / max(peer.values()):>6.2f}", flush=True)
    tiny, peer = matmul_gflops(max(10, args.steps), threads)
    cols = ", ".join(f"torch {t}T {g:.1f}" for t, g in peer.items())
    print(f"matmul probe {PROBE_SHAPE[0]}x{PROBE_SHAPE[1]} @ {PROBE_SHAPE[1]}x{PROBE_SHAPE[2]}: tinygrad {tiny:.1f} "
          f"GFLOPS, {cols} GFLOPS; ratio {tiny / max(peer.values()):.2f}")
    if not args.no_gate:
        config = recipe("mlp", eval_every_epoch=True)
        _, history = train(config, data)
        reached = next((e for e in history.epochs if e["test_accuracy"] >= 0.92), None)
        elapsed = sum(e["seconds"] for e in history.epochs[:reached["epoch"]]) if reached else float("nan")
        print(f"MLP gate (92% on the official test set): reached after epoch {reached and reached['epoch']}, "
              f"{elapsed:.1f} s of training (excluding evaluation); final {history.final_accuracy:.2%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
