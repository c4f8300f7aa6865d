"""Project 6 end to end: train or load, export, quantise, check accuracy, measure latency, report.

    python -m aifund.edge.pipeline --model cnn [--weights runs/cnn-mnist-5k/weights.npz] [--out runs/edge-cnn]

Writes into --out: weights.npz, model.onnx, model-int8.npz (the numpy PTQ model), model-int8.onnx
(onnxruntime's static INT8 quantisation), latency.json and report.json (accuracies, file sizes,
output agreement, the latency table).
"""
from __future__ import annotations

import argparse
import sys
import json
import pathlib

import numpy as np

from aifund.training.datasets import load_dataset
from aifund.edge import numpy_infer, ort_int8, paths
from aifund.edge.devices import detect
from aifund.edge.latency import measure, table
from aifund.edge.onnx_export import IR_VERSION, OPSET, export, session
from aifund.edge.ptq import QuantizedModel
from aifund.training.training import predict, recipe, train
from aifund.reference.weights import WeightsError, read_weights, save_weights
from aifund.training.datasets import DataMissing
from aifund import __version__
from aifund.closed_pipe import quiet

CALIBRATION_SAMPLES = 1000
INT8_RUNTIME = "onnxruntime int8"


def model_input(kind, data, x):
    return data.images(x) if kind == "cnn" else x


def latency_paths(kind, arrays, onnx_file, quantized, x, int8_onnx_file=None):
    int8 = {INT8_RUNTIME: paths.onnxruntime_path(kind, arrays, x, int8_onnx_file)} if int8_onnx_file else {}
    return {"tinygrad (numpy input)": paths.tinygrad_numpy_input_path(kind, arrays, x),
            "tinygrad (copy-in)": paths.tinygrad_copyin_path(kind, arrays, x),
            "numpy (exported)": paths.numpy_path(kind, arrays, x),
            "onnxruntime": paths.onnxruntime_path(kind, arrays, x, onnx_file),
            **int8,
            "int8 numpy": paths.int8_path(quantized, x),
            **gpu_latency_paths(kind, arrays, onnx_file, x),
            "torch (peer)": paths.torch_path(kind, arrays, x)}


def gpu_latency_paths(kind, arrays, onnx_file, x) -> dict:
    """The GPU paths this machine can run (none without an NVIDIA GPU; aifund/edge/gpu_paths.py says why)."""
    from aifund.edge import gpu_paths
    found = {}
    if not gpu_paths.unavailable("tinygrad-gpu"):
        found["tinygrad-gpu"] = gpu_paths.tinygrad_gpu_path(kind, arrays, x)
    for name in gpu_paths.ORT_GPU_PROVIDERS:
        if not gpu_paths.unavailable(name):
            found[name] = gpu_paths.onnxruntime_gpu_path(name, onnx_file, x)
    return found


def run(kind: str, out: pathlib.Path, weights=None, data_dir=None, runs=100, batches=(1, 64), log=print) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    data = load_dataset("mnist-5k", data_dir)
    if weights:
        arrays = read_weights(weights)
        log(f"1. loaded {weights}")
    else:
        log(f"1. training {kind} on mnist-5k ({recipe(kind).epochs} epochs, the recipe of aifund/training/training.py)")
        model, _ = train(recipe(kind), data, log=log)
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
    calibration = model_input(kind, data, data.x_train[:CALIBRATION_SAMPLES])
    quantized = QuantizedModel(kind, arrays).calibrate(calibration)
    int8_acc = float((quantized.logits(x_test).argmax(1) == data.y_test).mean())
    (out / "model-int8.npz").write_bytes(quantized.to_bytes())
    float_bytes, int8_bytes = (out / "weights.npz").stat().st_size, (out / "model-int8.npz").stat().st_size
    ort_int8.quantize(out / "model.onnx", out / "model-int8.onnx", calibration)
    runtime_acc = float((ort_int8.predict(ort_int8.session(out / "model-int8.onnx"), x_test) == data.y_test).mean())
    onnx_bytes = {name: (out / name).stat().st_size for name in ("model.onnx", "model-int8.onnx")}

    log(f"4. latency, {runs} timed runs after 10 warm-up calls")
    timings = []
    for batch in batches:
        x = np.ascontiguousarray(x_test[:batch])
        for name, fn in latency_paths(kind, arrays, out / "model.onnx", quantized, x, out / "model-int8.onnx").items():
            timings.append(measure(name, kind, batch, fn, runs=runs))
    log(table(timings))
    (out / "latency.json").write_text(json.dumps([t.as_dict() for t in timings], indent=2) + "\n")
    report = {"model": kind, "data": "mnist-5k train / official test", "devices": vars(detect()),
              "onnx": {"opset": OPSET, "ir_version": IR_VERSION}, "agreement": agreement,
              "accuracy": {"float32": float_acc, "int8": int8_acc, "drop_points": 100 * (float_acc - int8_acc),
                           INT8_RUNTIME: runtime_acc, "onnxruntime_int8_drop_points": 100 * (float_acc - runtime_acc)},
              "size_bytes": {"float32": float_bytes, "int8": int8_bytes, "ratio": float_bytes / int8_bytes,
                             "onnx_float32": onnx_bytes["model.onnx"], "onnx_int8": onnx_bytes["model-int8.onnx"],
                             "onnx_int8_over_float32": onnx_bytes["model-int8.onnx"] / onnx_bytes["model.onnx"]},
              "latency": [t.as_dict() for t in timings]}
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    log(f"accuracy float32 {float_acc:.2%}, int8 {int8_acc:.2%} (drop {report['accuracy']['drop_points']:.2f} "
        f"points); file {float_bytes:,} -> {int8_bytes:,} bytes ({report['size_bytes']['ratio']:.2f}x smaller); "
        f"onnxruntime int8 {runtime_acc:.2%}, ONNX file {onnx_bytes['model.onnx']:,} -> {onnx_bytes['model-int8.onnx']:,} bytes; "
        f"ONNX max |diff| {agreement['onnxruntime_max_abs_diff']:.2e}; report in {out / 'report.json'}")
    return report


def check_weights(kind: str, arrays: list, path) -> None:
    """WeightsError (one line) when the arrays cannot be the model's: SimpleCNN's shapes, or an MLP's chain."""
    if kind == "cnn":
        from aifund.reference.cnn import SimpleCNN
        expected = [tuple(p.shape) for p in SimpleCNN().parameters()]
    else:
        expected = []
        for i in range(0, len(arrays) - 1, 2):
            n_in = arrays[0].shape[0] if i == 0 else expected[-2][1]     # each layer takes the last one's outputs
            n_out = arrays[i].shape[-1] if arrays[i].ndim == 2 else -1
            expected += [(n_in, n_out), (n_out,)]
        if len(arrays) % 2 or not arrays:
            expected.append(("an even number of arrays",))
    got = [tuple(a.shape) for a in arrays]
    if got != expected:
        raise WeightsError(f"{path}: array shapes {got} are not those of the {kind} ({expected})")


@quiet
def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="aifund-edge", description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--model", choices=("mlp", "cnn"), default="mlp", help="which model")
    p.add_argument("--weights", default=argparse.SUPPRESS,
                   help="a save_weights .npz file of that model (default: train it first, with its recipe)")
    p.add_argument("--out", default=argparse.SUPPRESS, help="output folder (default: runs/edge-MODEL)")
    p.add_argument("--data-dir", default=argparse.SUPPRESS,
                   help="(default: $AIFUND_DATA, else shared/data beside a checkout of the kit, else ~/.cache/aifund/data)")
    p.add_argument("--runs", type=int, default=100, help="timed calls per latency path and batch size")
    args = p.parse_args(argv)
    weights = getattr(args, "weights", None)
    try:
        if weights:   # read before any long work: a wrong file is one line, not a traceback after training
            check_weights(args.model, read_weights(weights), weights)
        run(args.model, pathlib.Path(getattr(args, "out", None) or f"runs/edge-{args.model}"), weights,
            getattr(args, "data_dir", None), args.runs)
    except (DataMissing, WeightsError, FileNotFoundError) as exc:
        print(f"aifund-edge: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
