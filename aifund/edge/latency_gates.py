"""Latency gates per device profile (a pytest test module shipped in the package): absolute budgets, asserted
only in a device's gate run. Builds and times models only when its profile was asked for; it grades nothing.

    pytest --pyargs aifund.edge.latency_gates -m jetson --require-device=jetson   # from an installed wheel
    aifund-conformance --device-gates jetson                                       # the same
    ./run-tests -m jetson --require-device=jetson                                  # in a clone (tests/edge)

Budgets live in aifund/edge/latency_budgets.toml, one table per profile. A gate
runs only when the run asks for its profile with --require-device (or
AIFUND_REQUIRE_DEVICE), and that option refuses to start on a machine of
another kind (the plugin, aifund/kit/options.py), so a CI job sent to the wrong
runner fails instead of passing. Everywhere else the gates skip at collection,
before any model is built: absolute milliseconds depend on what else the
machine is doing, so the default test command checks only the budget file's
structure here; benchmarks/latency.py compares every path with PyTorch
measured in the same run. The ONNX paths need the [edge] extra (onnx, onnxruntime).
"""
import pathlib
import tomllib

import numpy as np
import pytest

from aifund.edge.devices import detect, mismatch
from aifund.edge.gpu_paths import GPU_PATHS, REQUIRED_ON_GPU, unavailable

BUDGETS = tomllib.loads((pathlib.Path(__file__).parent / "latency_budgets.toml").read_text(encoding="utf-8"))
KNOWN_PATHS = {"numpy", "tinygrad-copyin", "onnxruntime", "int8", *GPU_PATHS}


def test_budget_file_names_known_profiles_models_and_paths():
    assert set(BUDGETS) == {"cpu", "cuda", "jetson"}
    for table in BUDGETS.values():
        for key, value in table["median_ms"].items():
            model, path, batch = key.split(":")
            assert model in ("mlp", "cnn") and path in KNOWN_PATHS and int(batch) >= 1 and value > 0, key


def gates(required: str | None):
    for profile, table in BUDGETS.items():
        for key, budget_ms in table["median_ms"].items():
            model, path, batch = key.split(":")
            marks = [getattr(pytest.mark, profile)]
            if required != profile:
                # decided at collection: nothing is built or timed for a gate that does not apply
                marks.append(pytest.mark.skip(reason=f"absolute latency budgets of the {profile} profile are asserted "
                                                     f"only in its gate run (--require-device={profile})"))
            yield pytest.param(profile, model, path, int(batch), budget_ms, id=f"{profile}-{key}", marks=marks)


def pytest_generate_tests(metafunc):
    if metafunc.definition.originalname == "test_latency_within_budget":
        metafunc.parametrize("profile, model, path, batch, budget_ms",
                             list(gates(metafunc.config.getoption("--require-device", None))))


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    from tinygrad import Tensor
    from aifund.edge.onnx_export import export
    from aifund.reference import MLP, SimpleCNN
    out = {}
    for kind in ("mlp", "cnn"):
        Tensor.manual_seed(0)
        model = MLP([784, 256, 128, 10]) if kind == "mlp" else SimpleCNN()
        arrays = [p.numpy() for p in model.parameters()]
        onnx_file = tmp_path_factory.mktemp("onnx") / f"{kind}.onnx"
        export(kind, arrays, onnx_file)
        out[kind] = (arrays, onnx_file)
    return out


def test_latency_within_budget(profile, model, path, batch, budget_ms, model_files):
    from aifund.edge import paths
    from aifund.edge.latency import measure
    from aifund.edge.ptq import QuantizedModel
    assert mismatch(detect(), profile) is None   # --require-device refused to start otherwise
    arrays, onnx_file = model_files[model]
    shape = (batch, 784) if model == "mlp" else (batch, 1, 28, 28)
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    if path in GPU_PATHS:
        if reason := unavailable(path):
            if path in REQUIRED_ON_GPU:
                pytest.fail(f"{profile} gate run without its GPU path {path}: {reason}")
            pytest.skip(f"optional GPU runtime {path} is not on this {profile} machine: {reason}")
    if path == "tensorrt":
        from aifund.edge.gpu_paths import trtexec_timing
        median_ms, p90_ms = trtexec_timing(model, onnx_file, batch)
        assert median_ms <= budget_ms, (f"{model} batch {batch} via TensorRT (trtexec): median {median_ms:.3f} ms "
                                        f"exceeds the {profile} budget {budget_ms} ms (p90 {p90_ms} ms)")
        return
    if path == "tinygrad-gpu":
        from aifund.edge.gpu_paths import tinygrad_gpu_path
        fn = tinygrad_gpu_path(model, arrays, x)
    elif path.startswith("onnxruntime-"):
        from aifund.edge.gpu_paths import onnxruntime_gpu_path
        fn = onnxruntime_gpu_path(path, onnx_file, x)
    elif path == "onnxruntime":
        fn = paths.onnxruntime_path(model, arrays, x, onnx_file)
    elif path == "int8":
        fn = paths.int8_path(QuantizedModel(model, arrays).calibrate(x), x)
    elif path == "numpy":
        fn = paths.numpy_path(model, arrays, x)
    else:
        fn = paths.tinygrad_copyin_path(model, arrays, x)
    timing = measure(path, model, batch, fn, warmup=5, runs=BUDGETS[profile].get("runs", 30))
    assert timing.median_ms <= budget_ms, (
        f"{model} batch {batch} via {path}: median {timing.median_ms:.3f} ms exceeds the {profile} budget "
        f"{budget_ms} ms by {timing.median_ms - budget_ms:.3f} ms (p90 {timing.p90_ms:.3f} ms)")
