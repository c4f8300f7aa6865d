"""INT8 ONNX models for onnxruntime's integer kernels: static quantisation calibrated on MNIST training images.

It writes and runs quantised files; whether they agree with the guide's formulas is checked in tests/edge.

Choices, measured with onnxruntime 1.32 on this project's 2-core AMD EPYC (AVX2, no VNNI; other work on the
cores, so each figure is a median of 5-7 interleaved rounds) on the trained MLP 784-256-128-10 and SimpleCNN:
- QDQ rather than QOperator: within noise for the MLP (batch 64: 0.54-0.68x float either way), faster for the
  CNN at batch 1 (0.88-0.91x against 0.91-1.25x); it is onnxruntime's recommended form and keeps the weights'
  scales readable on plain DequantizeLinear nodes. Accuracy equal (MLP 94.14-94.22%, CNN 97.00-97.04%).
- Per-channel weights: no measurable cost (within the noise above) and it is the guide's own formula
  (one symmetric scale per output channel), so the file can be checked against it scale for scale.
- quant_pre_process first (without symbolic shape inference, which imports sympy: 15 s): it fuses MatMul+Add
  into Gemm, so the bias joins the integer product (QGemm); MLP batch 64 0.54x against 0.61x without.
- Relu, MaxPool and Flatten quantised too, not only MatMul/Conv: the tensors stay uint8 between layers
  instead of a Dequantize/Quantize pair around each; CNN batch 64 1.11x float against 1.48x, MLP batch 1
  0.79x against 1.27x. The softmax stays float so that the outputs are probabilities to compare.
- uint8 activations, int8 weights, no reduce_range: onnxruntime's u8s8 kernels are its fast x86 path; on
  this CPU without VNNI they are still no faster than float convolution (benchmarks/latency.py shows it).
"""
from __future__ import annotations

import pathlib

import numpy as np

CALIBRATION_BATCH = 100
QUANTISED_OPS = ("MatMul", "Gemm", "Conv", "Relu", "MaxPool", "Flatten")   # Softmax stays float


def calibration_reader(images: np.ndarray, batch: int = CALIBRATION_BATCH):
    """onnxruntime's CalibrationDataReader over float32 images, batch by batch."""
    from onnxruntime.quantization import CalibrationDataReader

    class Images(CalibrationDataReader):
        def __init__(self):
            self.batches = iter(range(0, len(images), batch))

        def get_next(self):
            start = next(self.batches, None)
            return None if start is None else {"input": np.ascontiguousarray(images[start:start + batch], np.float32)}

    return Images()


def quantize(float_file, int8_file, calibration: np.ndarray, quant_format: str = "QDQ", per_channel: bool = True,
             preprocess: bool = True, reduce_range: bool = False, ops=QUANTISED_OPS) -> pathlib.Path:
    """Write int8_file: float_file with int8 weights (symmetric, per output channel) and uint8 activations
    (asymmetric, min/max of the calibration images' activations); only the softmax stays float."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process
    float_file, int8_file = pathlib.Path(float_file), pathlib.Path(int8_file)
    source = float_file
    if preprocess:
        source = int8_file.with_suffix(".pre.onnx")
        quant_pre_process(str(float_file), str(source), skip_symbolic_shape=True)
    quantize_static(str(source), str(int8_file), calibration_reader(calibration),
                    quant_format=getattr(QuantFormat, quant_format), op_types_to_quantize=list(ops) if ops else None,
                    per_channel=per_channel, reduce_range=reduce_range, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                    extra_options={"WeightSymmetric": True, "ActivationSymmetric": False})
    if preprocess:
        source.unlink()
    return int8_file


def session(path, threads: int = 0, level: str = "ORT_ENABLE_ALL"):
    """A CPU session; threads 0 lets onnxruntime choose (one per core)."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def predict(sess, x: np.ndarray, batch: int = 1000) -> np.ndarray:
    """Class predictions of an ONNX session on x, batch by batch."""
    return np.concatenate([sess.run(None, {"input": x[i:i + batch]})[0].argmax(1) for i in range(0, len(x), batch)])


def weight_grids(model) -> dict:
    """{float weight name: (int8 codes, scale, zero point, axis)} for every int8 weight of a QDQ model
    (its DequantizeLinear nodes on int8 initialisers), read from the graph as the runtime will use it."""
    from onnx import TensorProto, numpy_helper
    inits = {i.name: i for i in model.graph.initializer}
    out = {}
    for node in model.graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] not in inits:
            continue
        if inits[node.input[0]].data_type != TensorProto.INT8:
            continue                          # int32 biases: their scale is derived, not a formula of their own
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        q, scale, zp = (numpy_helper.to_array(inits[name]) for name in node.input[:3])
        out[node.input[0].removesuffix("_quantized")] = (q, scale, zp, axis)
    return out


def activation_grids(model) -> dict:
    """{float tensor name: (scale, zero point)} of every QuantizeLinear node with constant parameters."""
    from onnx import numpy_helper
    inits = {i.name: i for i in model.graph.initializer}
    return {node.input[0]: tuple(numpy_helper.to_array(inits[name]) for name in node.input[1:3])
            for node in model.graph.node if node.op_type == "QuantizeLinear" and node.input[1] in inits}
