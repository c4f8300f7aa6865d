"""Project 6 end to end: train or load, export, quantise, check accuracy, measure latency, report.

    python -m aifund.edge.pipeline --model cnn [--weights runs/cnn-mnist-5k/weights.npz] [--out runs/edge-cnn]

Writes into --out: weights.npz, model.onnx, model-int8.npz, latency.json and
report.json (accuracies, size ratio, output agreement, the latency table).
"""
from __future__ import annotations

import argparse
import json
import pathlib

import numpy as np

from aifund.training.datasets import load_dataset
from aifund.edge import numpy_infer, paths
from aifund.edge.devices import detect
from aifund.edge.latency import measure, table
from aifund.edge.onnx_export import IR_VERSION, OPSET, export, session
from aifund.edge.ptq import QuantizedModel
from aifund.training.training import Config, predict, train
from aifund.reference.weights import read_weights, save_weights
from aifund import __version__

TRAINING = {"mlp": Config(model="mlp", epochs=10, batch_size=64, lr=1e-3),
            "cnn": Config(model="cnn", epochs=4, batch_size=64, lr=2e-3)}
CALIBRATION_SAMPLES = 1000


def model_input(kind, data, x):
    return data.images(x) if kind == "cnn" else x


def latency_paths(kind, arrays, onnx_file, quantized, x):
    return {"tinygrad (numpy input)": paths.tinygrad_numpy_input_path(kind, arrays, x),
            "tinygrad (copy-in)": paths.tinygrad_copyin_path(kind, arrays, x),
            "numpy (exported)": paths.numpy_path(kind, arrays, x),
            "onnxruntime": paths.onnxruntime_path(kind, arrays, x, onnx_file),
            "int8 numpy": paths.int8_path(quantized, x),
            "torch (peer)": paths.torch_path(kind, arrays, x)}


def run(kind: str, out: pathlib.Path, weights=None, data_dir=None, runs=100, batches=(1, 64), log=print) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    data = load_dataset("mnist-5k", data_dir)
    if weights:
        arrays = read_weights(weights)
        log(f"1. loaded {weights}")
    else:
        log(f"1. training {kind} on mnist-5k ({TRAINING[kind].epochs} epochs)")
        model, _ = train(TRAINING[kind], data, log=log)
        arrays = [p.numpy() for p in model.parameters()]
    model = paths.tinygrad_model(kind, arrays)
    save_weights(model, out / "weights.npz")
    x_test = model_input(kind, data, data.x_test)
    float_pred = predict(model, x_test)
    float_acc = float((float_pred == data.y_test).mean())

    log("2. exporting to ONNX and checking every runtime against tinygrad on the official test images")
    export(kind, arrays, out / "model.onnx")
    sample = x_test[:500]
    from tinygrad import Tensor
    tiny_prob = model(Tensor(sample)).numpy()
    ort_prob = session(out / "model.onnx").run(["probabilities"], {"input": sample})[0]
    np_prob = numpy_infer.softmax(numpy_infer.logits(kind, arrays, sample))
    agreement = {"onnxruntime_max_abs_diff": float(np.abs(ort_prob - tiny_prob).max()),
                 "numpy_max_abs_diff": float(np.abs(np_prob - tiny_prob).max()),
                 "onnxruntime_same_predictions": bool((ort_prob.argmax(1) == tiny_prob.argmax(1)).all()),
                 "images_compared": len(sample)}

    log(f"3. INT8 post-training quantisation (calibrated on {CALIBRATION_SAMPLES} training images)")
    quantized = QuantizedModel(kind, arrays).calibrate(model_input(kind, data, data.x_train[:CALIBRATION_SAMPLES]))
    int8_acc = float((quantized.logits(x_test).argmax(1) == data.y_test).mean())
    (out / "model-int8.npz").write_bytes(quantized.to_bytes())
    float_bytes, int8_bytes = (out / "weights.npz").stat().st_size, (out / "model-int8.npz").stat().st_size

    log(f"4. latency, {runs} timed runs after 10 warm-up calls")
    timings = []
    for batch in batches:
        x = np.ascontiguousarray(x_test[:batch])
        for name, fn in latency_paths(kind, arrays, out / "model.onnx", quantized, x).items():
            timings.append(measure(name, kind, batch, fn, runs=runs))
    log(table(timings))
    (out / "latency.json").write_text(json.dumps([t.as_dict() for t in timings], indent=2) + "\n")
    report = {"model": kind, "data": "mnist-5k train / official test", "devices": vars(detect()),
              "onnx": {"opset": OPSET, "ir_version": IR_VERSION}, "agreement": agreement,
              "accuracy": {"float32": float_acc, "int8": int8_acc, "drop_points": 100 * (float_acc - int8_acc)},
              "size_bytes": {"float32": float_bytes, "int8": int8_bytes, "ratio": float_bytes / int8_bytes},
              "latency": [t.as_dict() for t in timings]}
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    log(f"accuracy float32 {float_acc:.2%}, int8 {int8_acc:.2%} (drop {report['accuracy']['drop_points']:.2f} "
        f"points); file {float_bytes:,} -> {int8_bytes:,} bytes ({report['size_bytes']['ratio']:.2f}x smaller); "
        f"ONNX max |diff| {agreement['onnxruntime_max_abs_diff']:.2e}; report in {out / 'report.json'}")
    return report


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="aifund-edge", description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    p.add_argument("--weights", default=None, help="a save_weights .npz file (default: train first)")
    p.add_argument("--out", default=None, help="default runs/edge-MODEL")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--runs", type=int, default=100)
    args = p.parse_args(argv)
    run(args.model, pathlib.Path(args.out or f"runs/edge-{args.model}"), args.weights, args.data_dir, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
