"""Latency gates per device profile: absolute budgets, asserted only in a device's gate run.

    pytest -m jetson tests/edge --require-device=jetson    (or AIFUND_REQUIRE_DEVICE=jetson)

Budgets live in benchmarks/latency_budgets.toml, one table per profile. A gate
runs only when the run asks for its profile with --require-device, and that
option refuses to start on a machine of another kind (conftest.py), so a CI job
sent to the wrong runner fails instead of passing. Everywhere else the gates
skip at collection, before any model is built: absolute milliseconds depend on
what else the machine is doing, so the default test command checks only the
budget file's structure here; benchmarks/latency.py compares every path with
PyTorch measured in the same run.
"""
import os
import pathlib
import tomllib

import numpy as np
import pytest
from tinygrad import Tensor

from aifund.edge import paths
from aifund.edge.devices import detect, mismatch
from aifund.edge.latency import measure
from aifund.edge.onnx_export import export
from aifund.edge.ptq import QuantizedModel

BUDGETS = tomllib.loads((pathlib.Path(__file__).parents[2] / "benchmarks" / "latency_budgets.toml").read_text())
DEVICES = detect()
MAKERS = {"numpy": paths.numpy_path, "tinygrad-copyin": paths.tinygrad_copyin_path}
KNOWN_PATHS = {"numpy", "tinygrad-copyin", "onnxruntime", "int8"}


def test_budget_file_names_known_profiles_models_and_paths():
    assert set(BUDGETS) == {"cpu", "cuda", "jetson"}
    for table in BUDGETS.values():
        for key, value in table["median_ms"].items():
            model, path, batch = key.split(":")
            assert model in ("mlp", "cnn") and path in KNOWN_PATHS and int(batch) >= 1 and value > 0, key


def gates():
    required = os.environ.get("AIFUND_REQUIRE_DEVICE")   # conftest.py puts --require-device there
    for profile, table in BUDGETS.items():
        for key, budget_ms in table["median_ms"].items():
            model, path, batch = key.split(":")
            marks = [getattr(pytest.mark, profile)]
            if required != profile:
                # decided at collection: nothing is built or timed for a gate that does not apply
                marks.append(pytest.mark.skip(reason=f"absolute latency budgets of the {profile} profile are asserted "
                                                     f"only in its gate run (--require-device={profile})"))
            yield pytest.param(profile, model, path, int(batch), budget_ms, id=f"{profile}-{key}", marks=marks)


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    out = {}
    for kind in ("mlp", "cnn"):
        from aifund.reference import MLP, SimpleCNN
        Tensor.manual_seed(0)
        model = MLP([784, 256, 128, 10]) if kind == "mlp" else SimpleCNN()
        arrays = [p.numpy() for p in model.parameters()]
        onnx_file = tmp_path_factory.mktemp("onnx") / f"{kind}.onnx"
        export(kind, arrays, onnx_file)
        out[kind] = (arrays, onnx_file)
    return out


@pytest.mark.parametrize("profile, model, path, batch, budget_ms", list(gates()))
def test_latency_within_budget(profile, model, path, batch, budget_ms, model_files):
    assert mismatch(DEVICES, profile) is None   # --require-device refused to start otherwise
    arrays, onnx_file = model_files[model]
    shape = (batch, 784) if model == "mlp" else (batch, 1, 28, 28)
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    if path == "onnxruntime":
        fn = paths.onnxruntime_path(model, arrays, x, onnx_file)
    elif path == "int8":
        fn = paths.int8_path(QuantizedModel(model, arrays).calibrate(x), x)
    else:
        fn = MAKERS[path](model, arrays, x)
    timing = measure(path, model, batch, fn, warmup=5, runs=BUDGETS[profile].get("runs", 30))
    assert timing.median_ms <= budget_ms, (
        f"{model} batch {batch} via {path}: median {timing.median_ms:.3f} ms exceeds the {profile} budget "
        f"{budget_ms} ms by {timing.median_ms - budget_ms:.3f} ms (p90 {timing.p90_ms:.3f} ms)")
