"""Latency gates per device profile (select with -m cpu, -m cuda or -m jetson).

Budgets live in benchmarks/latency_budgets.toml, one table per profile. A gate
runs only on a machine of its profile (impl.edge.devices.detect) and skips
with that reason elsewhere. The budgets carry wide headroom because the tests
share the machine with the rest of the suite; benchmarks/latency.py measures
properly and compares with PyTorch.
"""
import pathlib
import tomllib

import numpy as np
import pytest
from tinygrad import Tensor

from impl.edge import paths
from impl.edge.devices import detect
from impl.edge.latency import measure
from impl.edge.onnx_export import export
from impl.edge.ptq import QuantizedModel

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


def applies(profile: str) -> str | None:
    """None when this machine is of the profile, else why the gate is skipped."""
    if profile == "jetson" and not DEVICES.jetson:
        return "not an NVIDIA Jetson board (no 'Jetson' in /proc/device-tree/model and no /etc/nv_tegra_release)"
    if profile == "cuda" and (not DEVICES.cuda or DEVICES.jetson):
        return "no discrete NVIDIA CUDA GPU on this machine (no NVIDIA driver, or it is a Jetson)"
    if profile == "cpu" and DEVICES.jetson:
        return "this is a Jetson board: its own profile's budgets apply (pytest -m jetson)"
    return None


def gates():
    for profile, table in BUDGETS.items():
        for key, budget_ms in table["median_ms"].items():
            model, path, batch = key.split(":")
            mark = getattr(pytest.mark, profile)
            yield pytest.param(profile, model, path, int(batch), budget_ms, id=f"{profile}-{key}", marks=mark)


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    out = {}
    for kind in ("mlp", "cnn"):
        from impl import MLP, SimpleCNN
        Tensor.manual_seed(0)
        model = MLP([784, 256, 128, 10]) if kind == "mlp" else SimpleCNN()
        arrays = [p.numpy() for p in model.parameters()]
        onnx_file = tmp_path_factory.mktemp("onnx") / f"{kind}.onnx"
        export(kind, arrays, onnx_file)
        out[kind] = (arrays, onnx_file)
    return out


@pytest.mark.parametrize("profile, model, path, batch, budget_ms", list(gates()))
def test_latency_within_budget(profile, model, path, batch, budget_ms, model_files):
    reason = applies(profile)
    if reason:
        pytest.skip(reason)
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
