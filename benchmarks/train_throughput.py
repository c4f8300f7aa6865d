"""Training throughput: the reference MLP (784-256-128-10) in tinygrad against the same model in PyTorch.

    .venv/bin/python benchmarks/train_throughput.py [--batch 64 128 512] [--steps 60]

Both train on the same mnist-5k batches with Adam and cross-entropy on the
logits, in this one process; samples per second are measured after a warm-up
(tinygrad compiles and captures its TinyJit step during it). Prints a table and
the tinygrad/PyTorch ratio per batch size, and the wall time each needs to
pass the MLP accuracy gate (92% on the official test set).
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from tinygrad import Tensor
from tinygrad.helpers import Context

from aifund.training.datasets import load_dataset
from aifund.reference.layers import MLP
from aifund.reference.optim import Adam
from aifund.training.training import Config, make_step, train


def tinygrad_rate(x, y, batch, steps, warmup=5):
    Tensor.manual_seed(0)
    model = MLP([784, 256, 128, 10])
    step = make_step(model, Adam(model.parameters(), lr=1e-3))
    lr = Tensor([1e-3]).realize()
    order = np.random.default_rng(0).permutation(len(x))
    batches = [order[(i * batch) % (len(x) - batch):][:batch] for i in range(steps + warmup)]
    with Context(TRAINING=1):
        for idx in batches[:warmup]:
            step(Tensor(x[idx]), Tensor(y[idx]), lr).item()
        start = time.perf_counter()
        for idx in batches[warmup:]:
            loss = step(Tensor(x[idx]), Tensor(y[idx]), lr)
        loss.item()
    return steps * batch / (time.perf_counter() - start)


def torch_rate(x, y, batch, steps, warmup=5):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    order = np.random.default_rng(0).permutation(len(x))
    batches = [torch.from_numpy(order[(i * batch) % (len(x) - batch):][:batch]) for i in range(steps + warmup)]

    def one(idx):
        loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    for idx in batches[:warmup]:
        one(idx)
    start = time.perf_counter()
    for idx in batches[warmup:]:
        one(idx)
    return steps * batch / (time.perf_counter() - start)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, nargs="+", default=[64, 128, 512])
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--no-gate", action="store_true", help="skip the time-to-gate measurement")
    args = p.parse_args(argv)
    data = load_dataset("mnist-5k", args.data_dir)
    x, y = data.x_train, data.y_train.astype(np.int32)
    print(f"torch threads {torch.get_num_threads()}; {args.steps} timed steps per measurement")
    print(f"{'batch':>6} {'tinygrad samples/s':>19} {'torch samples/s':>16} {'ratio':>6}")
    for batch in args.batch:
        tg, th = tinygrad_rate(x, y, batch, args.steps), torch_rate(x, y, batch, args.steps)
        print(f"{batch:>6} {tg:>19,.0f} {th:>16,.0f} {tg / th:>6.2f}")
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
