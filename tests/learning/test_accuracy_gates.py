"""Accuracy gates: the reference implementation learns, on real data (select with -m accuracy).

The INT8 gate of Project 6 runs on the same trained model inside the same
test, so the model is trained once: the post-training-quantised model may lose
at most 0.5 percentage points on the official test set, in a file about 4x smaller.
"""
import io

import numpy as np
import pytest

from aifund.training.datasets import DataMissing
from aifund.edge.ptq import QuantizedModel
from aifund.reference.weights import save_weights
from tests.learning.gates import GATES, INT8_GATES
from tests.learning.trained import gate_run

pytestmark = [pytest.mark.accuracy, pytest.mark.cpu, pytest.mark.time_limit(1200)]   # training runs minutes on a busy machine
MAX_INT8_DROP_POINTS = 0.5


def int8_gate(gate, data, model, float_acc, tmp_path):
    kind = "cnn" if gate.startswith("cnn") else "mlp"
    arrays = [p.numpy() for p in model.parameters()]
    shape = data.images if kind == "cnn" else (lambda x: x)
    quantized = QuantizedModel(kind, arrays).calibrate(shape(data.x_train[:1000]))
    int8_acc = float((quantized.logits(shape(data.x_test)).argmax(1) == data.y_test).mean())
    drop = 100 * (float_acc - int8_acc)
    assert drop <= MAX_INT8_DROP_POINTS, (f"{gate}: INT8 accuracy {int8_acc:.2%} is {drop:.2f} points below float32 "
                                          f"{float_acc:.2%}; the gate allows {MAX_INT8_DROP_POINTS}")
    save_weights(model, tmp_path / "w.npz")
    ratio = (tmp_path / "w.npz").stat().st_size / len(quantized.to_bytes())
    assert 3.5 <= ratio <= 4.0, f"{gate}: the INT8 file is {ratio:.2f}x smaller than float32; about 4x expected"
    with np.load(io.BytesIO(quantized.to_bytes()), allow_pickle=False) as f:
        assert all(f[k].dtype == np.int8 for k in f.files if k.endswith("_wq"))


# one xdist group per gate: tests that need the gate's trained model (tests/edge/test_ort_int8.py) share its run
@pytest.mark.parametrize("gate", [pytest.param(g, marks=pytest.mark.xdist_group(f"gate-{g}")) for g in GATES])
def test_accuracy_gate(gate, tmp_path):
    data_name, config, minimum, source = GATES[gate]
    try:
        data, model, history = gate_run(gate)
    except DataMissing as exc:
        pytest.skip(f"{data_name} is not in the data directory, so its gate cannot run: {exc}")
    got = history.final_accuracy
    assert got >= minimum, (
        f"{gate}: test accuracy {got:.2%} is {100 * (minimum - got):.2f} percentage points below the gate "
        f"{minimum:.0%} ({source}); {config.epochs} epochs, batch {config.batch_size}, lr {config.lr}, "
        f"seed {config.seed}, {history.train_seconds:.0f} s")
    if gate in INT8_GATES:
        int8_gate(gate, data, model, got, tmp_path)
