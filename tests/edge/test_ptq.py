"""Post-training INT8 quantisation: integer arithmetic, saturation, and the accuracy and size gates."""
import io

import numpy as np
import pytest

from impl.edge.ptq import QuantizedModel, int_matmul, quantize_with
from impl.weights import save_weights
from tests.learning.trained import gate_run

pytestmark = pytest.mark.edge
MAX_DROP_POINTS = 0.5


def test_integer_products_equal_int32_accumulation():
    rng = np.random.default_rng(0)
    xq = rng.integers(-128, 128, (16, 3136)).astype(np.int8)
    wq = rng.integers(-127, 128, (3136, 8)).astype(np.int8)
    zp = -128
    exact = (xq.astype(np.int32) - zp) @ wq.astype(np.int32)        # numpy integer matmul, no float involved
    assert exact.dtype == np.int32
    assert np.array_equal(int_matmul(xq, zp, wq), exact.astype(np.float64))


def test_calibrated_grid_saturates_outside_its_range():
    q = quantize_with(np.array([-10.0, 0.0, 0.5, 10.0]), scale=1 / 255, zero_point=-128)
    assert q.tolist() == [-128, -128, 0, 127]      # below the range clamps to -128, above to 127
    assert q.dtype == np.int8


@pytest.mark.parametrize("gate", [pytest.param("mlp-mnist-5k", marks=pytest.mark.xdist_group("gate-mlp-mnist-5k")),
                                  pytest.param("cnn-mnist-5k", marks=pytest.mark.xdist_group("gate-cnn-mnist-5k"))])
def test_int8_accuracy_drop_and_size(gate, tmp_path, shared_mnist):
    data, model, history = gate_run(gate)
    kind = "cnn" if gate.startswith("cnn") else "mlp"
    arrays = [p.numpy() for p in model.parameters()]
    reshape = data.images if kind == "cnn" else (lambda x: x)
    quantized = QuantizedModel(kind, arrays).calibrate(reshape(data.x_train[:1000]))
    int8_acc = float((quantized.logits(reshape(data.x_test)).argmax(1) == data.y_test).mean())
    float_acc = history.final_accuracy
    drop = 100 * (float_acc - int8_acc)
    assert drop <= MAX_DROP_POINTS, (f"{kind}: INT8 accuracy {int8_acc:.2%} is {drop:.2f} points below float32 "
                                     f"{float_acc:.2%}; the gate allows {MAX_DROP_POINTS}")
    save_weights(model, tmp_path / "w.npz")
    ratio = (tmp_path / "w.npz").stat().st_size / len(quantized.to_bytes())
    assert 3.5 <= ratio <= 4.0, f"{kind}: the INT8 file is {ratio:.2f}x smaller than float32; about 4x expected"
    with np.load(io.BytesIO(quantized.to_bytes()), allow_pickle=False) as f:
        assert all(f[k].dtype == np.int8 for k in f.files if k.endswith("_wq"))
