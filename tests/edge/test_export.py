"""Export paths agree with tinygrad: ONNX (checked, run by onnxruntime) and the plain-numpy runtime."""
import numpy as np
import onnx
import pytest
from tinygrad import Tensor

from aifund.reference import MLP, SimpleCNN
from aifund.edge import numpy_infer, paths
from aifund.edge.onnx_export import IR_VERSION, OPSET, export, session

pytestmark = pytest.mark.edge
# float32 agreement of two runtimes on probabilities: torch.testing's float32 table (spec/tolerance.md)
RTOL, ATOL = 1.3e-6, 1e-5


def trained_like(kind):
    Tensor.manual_seed(0)
    model = MLP([784, 256, 128, 10]) if kind == "mlp" else SimpleCNN()
    return model, [p.numpy() for p in model.parameters()]


def official_test_images(kind, shared_mnist, n):
    from aifund.training.datasets import load_dataset
    data = load_dataset("mnist-5k")
    x = data.x_test[:n]
    return data.images(x) if kind == "cnn" else x


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_onnx_export_is_valid_and_matches_tinygrad(kind, tmp_path, shared_mnist):
    model, arrays = trained_like(kind)
    proto = export(kind, arrays, tmp_path / "m.onnx")
    onnx.checker.check_model(onnx.load(str(tmp_path / "m.onnx")), full_check=True)
    assert proto.ir_version == IR_VERSION and proto.opset_import[0].version == OPSET
    x = official_test_images(kind, shared_mnist, 64)
    ours = model(Tensor(x)).numpy()
    theirs = session(tmp_path / "m.onnx").run(["probabilities"], {"input": x})[0]
    np.testing.assert_allclose(theirs, ours, rtol=RTOL, atol=ATOL)
    assert (theirs.argmax(1) == ours.argmax(1)).all()


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_numpy_runtime_matches_tinygrad(kind, shared_mnist):
    model, arrays = trained_like(kind)
    x = official_test_images(kind, shared_mnist, 64)
    np.testing.assert_allclose(numpy_infer.softmax(numpy_infer.logits(kind, arrays, x)), model(Tensor(x)).numpy(),
                               rtol=RTOL, atol=ATOL)


def test_copy_in_path_sees_each_new_input():
    _, arrays = trained_like("mlp")
    rng = np.random.default_rng(0)
    x = rng.random((4, 784), dtype=np.float32)
    run = paths.tinygrad_copyin_path("mlp", arrays, x)
    for _ in range(3):
        x[...] = rng.random((4, 784), dtype=np.float32)     # the caller overwrites its batch in place
        np.testing.assert_allclose(run(), numpy_infer.logits("mlp", arrays, x), rtol=1e-4, atol=1e-4)


def test_every_latency_path_returns_the_same_predictions(tmp_path):
    from aifund.edge.ptq import QuantizedModel
    _, arrays = trained_like("mlp")
    x = np.random.default_rng(1).random((8, 784), dtype=np.float32)
    export("mlp", arrays, tmp_path / "m.onnx")
    q = QuantizedModel("mlp", arrays).calibrate(x)
    reference = numpy_infer.logits("mlp", arrays, x).argmax(1)
    for make in (paths.tinygrad_numpy_input_path, paths.tinygrad_copyin_path, paths.tinygrad_resident_path,
                 paths.numpy_path, paths.torch_path):
        assert (make("mlp", arrays, x)().argmax(1) == reference).all(), make.__name__
    assert (paths.onnxruntime_path("mlp", arrays, x, tmp_path / "m.onnx")().argmax(1) == reference).all()
    assert (paths.int8_path(q, x)().argmax(1) == reference).mean() >= 0.75
