"""onnxruntime's INT8 models (aifund/edge/ort_int8.py) against the guide's PTQ formulas and the float model.

Tolerance policy. Weights: the guide's symmetric per-output-channel formula (aifund/reference/quantize.py)
stores float32 scales; the runtime's must be the same float32 numbers up to WEIGHT_SCALE_ULPS units in the
last place (two roundings of max|w| / 127), its codes the same except, where a scale differs, by one code at
a rounding tie, and its zero points 0. Activations: the guide's asymmetric formula on the float model's
own activations (numpy, aifund/edge/numpy_infer.py) over the same calibration images; the runtime computes
those activations with other float32 kernels, so its scales may differ by ACTIVATION_RTOL (relative); its
uint8 zero point is the guide's int8 one plus 128. Outputs and accuracy on the trained gate models: the
INT8 model's predictions agree with the float model's on >= 99% of the official test images and lose at
most 0.5 accuracy points.
"""
import copy

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from aifund.edge import numpy_infer, ort_int8, plan
from aifund.edge.onnx_export import export
from aifund.reference.quantize import quantize

pytestmark = pytest.mark.edge
WEIGHT_SCALE_ULPS = 2
ACTIVATION_RTOL = 1e-5
MIN_PREDICTION_AGREEMENT = 0.99
MAX_DROP_POINTS = 0.5
OUTPUT_AXIS = {4: 0, 2: 1}      # conv weights (C_out, C_in, k, k): axis 0; dense (in, out): axis 1


def layer_inputs(kind, arrays, x) -> list[np.ndarray]:
    """The float input of every conv and dense layer, in order (the tensors the guide calibrates on)."""
    seen = []
    for op, *w in plan.steps(kind, len(arrays)):
        if op in ("conv", "dense"):
            seen.append(x)
        if op == "conv":
            x = numpy_infer.conv2d(x, arrays[w[0]], arrays[w[0] + 1], plan.PADDING)
        elif op == "dense":
            x = x @ arrays[w[0]] + arrays[w[0] + 1]
        elif op == "relu":
            x = np.maximum(x, 0)
        elif op == "pool":
            x = numpy_infer.max_pool2(x)
        elif op == "flatten":
            x = x.reshape(len(x), -1)
    return seen


def assert_weights_follow_the_guide(float_model, int8_model):
    floats = {i.name: numpy_helper.to_array(i) for i in float_model.graph.initializer if i.name.endswith("_w")}
    grids = ort_int8.weight_grids(int8_model)
    assert set(grids) == set(floats), f"int8 weights {sorted(grids)}, float weights {sorted(floats)}"
    for name, (q, scale, zp, axis) in grids.items():
        w = floats[name]
        assert axis == OUTPUT_AXIS[w.ndim], f"{name}: one scale per axis {axis}, the guide's is per output channel"
        want_q, want_scale, _ = quantize(w, axis=axis)
        want_scale = want_scale.reshape(-1)
        ulps = np.abs(scale.astype(np.float32).view(np.int32) - want_scale.view(np.int32))
        assert ulps.max() <= WEIGHT_SCALE_ULPS, f"{name}: scale off by {ulps.max()} ulps (max|w|/127 expected)"
        assert q.dtype == np.int8 and not zp.any(), f"{name}: symmetric int8 weights have zero point 0"
        off = q.astype(np.int32) != want_q
        exact = np.all(ulps == 0)
        assert (not off.any()) if exact else np.abs(q.astype(np.int32) - want_q).max() <= 1, f"{name}: codes differ"


def assert_activations_follow_the_guide(kind, arrays, float_model, int8_model, calibration):
    grids = ort_int8.activation_grids(int8_model)
    names = [n.input[0] for n in float_model.graph.node if n.op_type in ("Conv", "MatMul")]
    for name, x in zip(names, layer_inputs(kind, arrays, calibration), strict=True):
        _, want_scale, want_zp = quantize(x, symmetric=False)
        assert name in grids, f"the input {name} of a layer is not quantised"
        scale, zp = grids[name]
        assert zp.dtype == np.uint8 and int(zp) == int(want_zp) + 128, f"{name}: zero point {zp}, want {want_zp}+128"
        np.testing.assert_allclose(scale, want_scale, rtol=ACTIVATION_RTOL, err_msg=f"{name}: activation scale")


@pytest.fixture(scope="module")
def mnist_train_images():
    from aifund.training.datasets import DataMissing, load_dataset
    try:
        return load_dataset("mnist-5k").x_train[:ort_int8.CALIBRATION_BATCH * 3]
    except (DataMissing, ImportError) as exc:
        pytest.skip(f"mnist-5k (real training images for calibration) is not available: {exc}")


@pytest.fixture(scope="module", params=["mlp", "cnn"])
def quantised(request, tmp_path_factory, mnist_train_images):
    """(kind, arrays, float model, int8 model, calibration images) for a seeded, untrained model."""
    from tinygrad import Tensor
    from aifund.reference import MLP, SimpleCNN
    kind = request.param
    Tensor.manual_seed(0)
    arrays = [p.numpy() for p in (MLP([784, 256, 128, 10]) if kind == "mlp" else SimpleCNN()).parameters()]
    calibration = mnist_train_images.reshape(-1, 1, 28, 28) if kind == "cnn" else mnist_train_images
    folder = tmp_path_factory.mktemp(kind)
    export(kind, arrays, folder / "float.onnx")
    ort_int8.quantize(folder / "float.onnx", folder / "int8.onnx", calibration)
    return kind, arrays, onnx.load(str(folder / "float.onnx")), onnx.load(str(folder / "int8.onnx")), calibration


def test_weight_scales_and_codes_are_the_guides(quantised):
    kind, arrays, float_model, int8_model, _ = quantised
    assert_weights_follow_the_guide(float_model, int8_model)


def test_activation_grids_are_the_guides(quantised):
    kind, arrays, float_model, int8_model, calibration = quantised
    assert_activations_follow_the_guide(kind, arrays, float_model, int8_model, calibration)


def tampered(model, tensor: str, factor: float):
    model = copy.deepcopy(model)
    init = next(i for i in model.graph.initializer if i.name == tensor)
    init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) * np.float32(factor), tensor))
    return model


@pytest.mark.parametrize("factor", [128 / 127, 1.001])
def test_a_wrongly_scaled_weight_is_rejected(quantised, factor):
    """max|w|/128 (the int8 range's other end) or a scale 0.1% off: the weight check refuses both."""
    kind, arrays, float_model, int8_model, _ = quantised
    first = next(iter(ort_int8.weight_grids(int8_model)))
    with pytest.raises(AssertionError, match="scale off"):
        assert_weights_follow_the_guide(float_model, tampered(int8_model, f"{first}_scale", 1 / factor))


def test_a_wrong_activation_grid_is_rejected(quantised):
    kind, arrays, float_model, int8_model, calibration = quantised
    with pytest.raises(AssertionError, match="activation scale"):
        assert_activations_follow_the_guide(kind, arrays, float_model, tampered(int8_model, "input_scale", 1.001),
                                            calibration)


def float_and_int8_predictions(kind, model, data, folder, calibration_scale=1.0):
    arrays = [p.numpy() for p in model.parameters()]
    fit = data.images if kind == "cnn" else (lambda x: x)
    export(kind, arrays, folder / "float.onnx")
    ort_int8.quantize(folder / "float.onnx", folder / "int8.onnx", fit(data.x_train[:1000]) * calibration_scale)
    x_test = fit(data.x_test)
    return (ort_int8.predict(ort_int8.session(folder / "float.onnx"), x_test),
            ort_int8.predict(ort_int8.session(folder / "int8.onnx"), x_test))


def agreement_and_drop(float_pred, int8_pred, labels):
    return float((float_pred == int8_pred).mean()), 100 * float((float_pred == labels).mean() - (int8_pred == labels).mean())


# the model the accuracy gate trains (tests/learning): same xdist group, so one process trains it once
@pytest.mark.parametrize("gate", [pytest.param(g, marks=pytest.mark.xdist_group(f"gate-{g}"))
                                  for g in ("mlp-mnist-5k", "cnn-mnist-5k")])
@pytest.mark.time_limit(1200)
def test_trained_int8_model_agrees_with_float_and_keeps_its_accuracy(gate, tmp_path):
    from aifund.training.datasets import DataMissing
    from tests.learning.trained import gate_run
    try:
        data, model, _ = gate_run(gate)
    except DataMissing as exc:
        pytest.skip(f"the data of {gate} is not in the data directory: {exc}")
    kind = gate.split("-")[0]
    agree, drop = agreement_and_drop(*float_and_int8_predictions(kind, model, data, tmp_path), data.y_test)
    assert agree >= MIN_PREDICTION_AGREEMENT, f"{gate}: INT8 agrees with float on {agree:.2%} of the test images"
    assert drop <= MAX_DROP_POINTS, f"{gate}: INT8 loses {drop:.2f} accuracy points (at most {MAX_DROP_POINTS})"
    # a model calibrated on images 20x too dark saturates every activation grid: both checks refuse it
    (tmp_path / "wrong").mkdir()
    agree, drop = agreement_and_drop(*float_and_int8_predictions(kind, model, data, tmp_path / "wrong", 0.05),
                                     data.y_test)
    assert agree < MIN_PREDICTION_AGREEMENT and drop > MAX_DROP_POINTS, (gate, agree, drop)
