"""Inference latency on every path this machine offers, against PyTorch in the same run.

    .venv/bin/python -m benchmarks.latency [--model mlp cnn] [--weights-dir runs] [--runs 100]

Uses trained weights from runs/MODEL-mnist-5k/weights.npz when present (./train
writes them), else a freshly initialised model (latency does not depend on the
values). Prints the table, the fastest exported path's batch-1 latency over
PyTorch's, and writes reports/latency.json.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import tempfile

import numpy as np
from tinygrad import Tensor

from aifund.edge.devices import detect
from aifund.edge.latency import measure, table
from aifund.edge.onnx_export import export
from aifund.edge.pipeline import latency_paths
from aifund.edge.ptq import QuantizedModel
from aifund.reference.weights import read_weights

EXPORTED = ("numpy (exported)", "onnxruntime", "int8 numpy")


def arrays_for(kind: str, weights_dir: pathlib.Path):
    path = weights_dir / f"{kind}-mnist-5k" / "weights.npz"
    if path.is_file():
        return read_weights(path), str(path)
    from aifund.reference import MLP, SimpleCNN
    Tensor.manual_seed(0)
    model = MLP([784, 256, 128, 10]) if kind == "mlp" else SimpleCNN()
    return [p.numpy() for p in model.parameters()], "fresh initialisation"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", nargs="+", default=["mlp", "cnn"], choices=["mlp", "cnn"])
    p.add_argument("--weights-dir", default="runs")
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--batch", type=int, nargs="+", default=[1, 64])
    p.add_argument("--out", default="reports/latency.json")
    args = p.parse_args(argv)
    print(f"devices: {detect()}")
    timings = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.model:
            arrays, source = arrays_for(kind, pathlib.Path(args.weights_dir))
            print(f"{kind}: weights from {source}")
            onnx_file = pathlib.Path(tmp) / f"{kind}.onnx"
            export(kind, arrays, onnx_file)
            shape = (784,) if kind == "mlp" else (1, 28, 28)
            calibration = np.random.default_rng(0).random((256, *shape), dtype=np.float32)
            quantized = QuantizedModel(kind, arrays).calibrate(calibration)
            for batch in args.batch:
                x = np.random.default_rng(1).random((batch, *shape), dtype=np.float32)
                for name, fn in latency_paths(kind, arrays, onnx_file, quantized, x).items():
                    timings.append(measure(name, kind, batch, fn, runs=args.runs))
    print(table(timings))
    for kind in args.model:
        one = {t.path: t.median_ms for t in timings if t.model == kind and t.batch == 1}
        if one:
            best = min(EXPORTED, key=lambda k: one[k])
            print(f"{kind} batch 1: fastest exported path {best} {one[best]:.3f} ms vs PyTorch {one['torch (peer)']:.3f} ms"
                  f" -> ratio {one[best] / one['torch (peer)']:.2f} (<= 1 meets the target); tinygrad copy-in "
                  f"{one['tinygrad (copy-in)']:.3f} ms, tinygrad with a new input Tensor {one['tinygrad (numpy input)']:.3f} ms")
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.out).write_text(json.dumps([t.as_dict() for t in timings], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
