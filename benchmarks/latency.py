"""Inference latency on every path this machine offers, against PyTorch and the float model in the same run.

    .venv/bin/python -m benchmarks.latency [--model mlp cnn] [--weights-dir runs] [--runs 200] [--batch 1 64]

Uses trained weights from runs/MODEL-mnist-5k/weights.npz when present (./train
writes them), else a freshly initialised model (latency does not depend on the
values; accuracy is then not reported). The INT8 models are calibrated on 1,000
real MNIST training images (mnist-5k) when the data is there, else on uniform
noise (said in the output). Prints the table (p50 = median, p90), the CPU's
integer features, the ratio lines with their targets, and, where INT8 is not
faster, the measurements that say why; writes reports/latency.json.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import tempfile

import numpy as np
from tinygrad import Tensor

from aifund.edge import ort_int8
from aifund.edge.devices import detect
from aifund.edge.latency import measure, table
from aifund.edge.onnx_export import export
from aifund.edge.pipeline import INT8_RUNTIME, latency_paths
from aifund.edge.ptq import QuantizedModel
from aifund.reference.weights import read_weights

FLOAT_EXPORTED = ("numpy (exported)", "onnxruntime")
INTEGER_FLAGS = ("avx512_vnni", "avx_vnni", "avx512bw", "avx2", "asimddp", "i8mm")   # x86 VNNI / arm dot products
CALIBRATION_IMAGES = 1000


def integer_features(cpuinfo="/proc/cpuinfo") -> str:
    try:
        text = pathlib.Path(cpuinfo).read_text()
    except OSError:
        return "unknown (no /proc/cpuinfo)"
    flags = set(" ".join(line.split(":", 1)[1] for line in text.splitlines()
                         if line.split(":")[0].strip() in ("flags", "Features")).split())
    found = [f for f in INTEGER_FLAGS if f in flags]
    vnni = any(f in flags for f in ("avx512_vnni", "avx_vnni", "asimddp"))
    return f"{' '.join(found) or 'none of ' + ' '.join(INTEGER_FLAGS)} -> 8-bit dot product instruction: {'yes' if vnni else 'NO'}"


def arrays_for(kind: str, weights_dir: pathlib.Path):
    path = weights_dir / f"{kind}-mnist-5k" / "weights.npz"
    if path.is_file():
        return read_weights(path), str(path), True
    from aifund.reference import MLP, SimpleCNN
    Tensor.manual_seed(0)
    model = MLP([784, 256, 128, 10]) if kind == "mlp" else SimpleCNN()
    return [p.numpy() for p in model.parameters()], "fresh initialisation", False


def images(kind: str, source: str):
    """(calibration images, test images, test labels or None, what they are) in the model's input shape."""
    shape = (784,) if kind == "mlp" else (1, 28, 28)
    if source == "mnist":
        try:
            from aifund.training.datasets import load_dataset
            data = load_dataset("mnist-5k")
            fit = data.images if kind == "cnn" else (lambda x: x)
            return fit(data.x_train[:CALIBRATION_IMAGES]), fit(data.x_test), data.y_test, "real MNIST (mnist-5k)"
        except (ImportError, FileNotFoundError) as exc:
            source = f"uniform noise, because MNIST is not available: {exc}"
    rng = np.random.default_rng(0)
    return (rng.random((CALIBRATION_IMAGES, *shape), dtype=np.float32), rng.random((256, *shape), dtype=np.float32),
            None, source if source != "random" else "uniform noise (--calibration random)")


def identity_model(path, shape) -> pathlib.Path:
    """An ONNX graph that returns its input: what one session.run costs with no arithmetic."""
    import onnx
    from onnx import TensorProto, helper
    io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", *shape]) for n in ("input", "output")]
    graph = helper.make_graph([helper.make_node("Identity", ["input"], ["output"])], "identity", io[:1], io[1:])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def kernel_times(path, x, runs, tmp) -> str:
    """onnxruntime's own profile: each operator type's share of the kernel time, largest first (shares, since
    profiling slows every kernel down; the ratio of two models' shares of one operator is what it shows)."""
    import collections
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.log_severity_level, options.enable_profiling, options.profile_file_prefix = 3, True, f"{tmp}/profile"
    sess = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    for _ in range(runs):
        sess.run(None, {"input": x})
    profile = pathlib.Path(sess.end_profiling())
    spent = collections.Counter()
    for event in json.loads(profile.read_text()):
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            spent[event["args"]["op_name"]] += event["dur"] / runs
    profile.unlink()
    total = sum(spent.values()) or 1
    return ", ".join(f"{op} {us / total:.0%}" for op, us in spent.most_common(5)) + f" of {total:.0f} us profiled"


def why_not_faster(kind, batch, x, files, runs) -> list[str]:
    """Per-call overhead (identity model), float and INT8 with it subtracted, each one's kernels, the session levers."""
    lines = []
    one = lambda sess: measure("", kind, batch, lambda: sess.run(None, {"input": x}), runs=runs).median_ms  # noqa: E731
    overhead = one(ort_int8.session(files["identity"]))
    f, q = one(ort_int8.session(files["float"])), one(ort_int8.session(files["int8"]))
    lines.append(f"  per-call overhead (identity model) {overhead:.3f} ms; float {f:.3f} ms, INT8 {q:.3f} ms; "
                 f"arithmetic alone (minus overhead) INT8/float {max(q - overhead, 0) / max(f - overhead, 1e-9):.2f}")
    for name in ("float", "int8"):
        lines.append(f"  {name} kernels: {kernel_times(files[name], x, runs, files['float'].parent)}")
    for threads in (1, 0):
        for level in ("ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL"):
            f = one(ort_int8.session(files["float"], threads, level))
            q = one(ort_int8.session(files["int8"], threads, level))
            lines.append(f"  threads {threads or 'auto'}, {level}: float {f:.3f} ms, INT8 {q:.3f} ms -> {q / f:.2f}")
    return lines


def run_model(kind, args, tmp, log):
    arrays, source, trained = arrays_for(kind, pathlib.Path(args.weights_dir))
    calibration, x_test, y_test, what = images(kind, args.calibration)
    log(f"{kind}: weights from {source}; calibration and inputs: {what}")
    files = {"float": pathlib.Path(tmp) / f"{kind}.onnx", "int8": pathlib.Path(tmp) / f"{kind}-int8.onnx"}
    export(kind, arrays, files["float"])
    ort_int8.quantize(files["float"], files["int8"], calibration)
    files["identity"] = identity_model(pathlib.Path(tmp) / f"{kind}-identity.onnx", x_test.shape[1:])
    quantized = QuantizedModel(kind, arrays).calibrate(calibration)
    timings, notes = [], []
    for batch in args.batch:
        x = np.ascontiguousarray(x_test[:batch])
        for name, fn in latency_paths(kind, arrays, files["float"], quantized, x, files["int8"]).items():
            timings.append(measure(name, kind, batch, fn, runs=args.runs))
    median = {(t.path, t.batch): t.median_ms for t in timings}
    for batch, target in ((64, 0.5), (1, 1.0)):
        if batch in args.batch:
            ratio = median[INT8_RUNTIME, batch] / median["onnxruntime", batch]
            notes.append(f"RATIO {kind} batch {batch}: INT8 runtime / float runtime = {ratio:.2f} "
                         f"(target <= {target}: {'met' if ratio <= target else 'NOT met'})")
            if ratio > target or args.explain:
                notes += why_not_faster(kind, batch, np.ascontiguousarray(x_test[:batch]), files, args.runs)
    size = files["int8"].stat().st_size / files["float"].stat().st_size
    notes.append(f"RATIO {kind} size: INT8 file / float file = {files['int8'].stat().st_size:,} / "
                 f"{files['float'].stat().st_size:,} bytes = {size:.2f} (target <= 0.3: {'met' if size <= 0.3 else 'NOT met'})")
    if 1 in args.batch:
        best = min(FLOAT_EXPORTED, key=lambda k: median[k, 1])
        ratio = median[best, 1] / median["torch (peer)", 1]
        notes.append(f"RATIO {kind} batch 1: exported float ({best}) / PyTorch = {median[best, 1]:.3f} / "
                     f"{median['torch (peer)', 1]:.3f} ms = {ratio:.2f} (target <= 1.0: {'met' if ratio <= 1 else 'NOT met'})")
    if trained and y_test is not None:
        float_acc = float((ort_int8.predict(ort_int8.session(files["float"]), x_test) == y_test).mean())
        int8_acc = float((ort_int8.predict(ort_int8.session(files["int8"]), x_test) == y_test).mean())
        notes.append(f"{kind} accuracy on the {len(y_test):,} test images: float {float_acc:.2%}, INT8 runtime "
                     f"{int8_acc:.2%} (drop {100 * (float_acc - int8_acc):.2f} points)")
    return timings, notes


def main(argv=None, log=print) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", nargs="+", default=["mlp", "cnn"], choices=["mlp", "cnn"])
    p.add_argument("--weights-dir", default="runs")
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--batch", type=int, nargs="+", default=[1, 64])
    p.add_argument("--calibration", choices=["mnist", "random"], default="mnist",
                   help="calibration and input images: real MNIST (when available) or uniform noise")
    p.add_argument("--explain", action="store_true", help="print the overhead and session-lever lines for every batch")
    p.add_argument("--out", default="reports/latency.json")
    args = p.parse_args(argv)
    log(f"devices: {detect()}")
    log(f"CPU integer features: {integer_features()}")
    from aifund.edge.gpu_paths import GPU_PATHS, unavailable
    for path in GPU_PATHS:
        if path != "tensorrt" and (reason := unavailable(path)):
            log(f"GPU path {path} not measured: {reason}")
    timings, notes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.model:
            t, n = run_model(kind, args, tmp, log)
            timings += t
            notes += n
    log(table(timings))
    for line in notes:
        log(line)
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.out).write_text(json.dumps([t.as_dict() for t in timings], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
