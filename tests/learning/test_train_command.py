"""The training command writes curves, pictures, weights and numbers (on small data, so it runs in seconds)."""
import json

import numpy as np
import pytest

from aifund.reference import MLP, load_weights
from aifund.training.train_cli import main

pytestmark = pytest.mark.cpu
PNG = b"\x89PNG\r\n\x1a\n"


def test_train_command_writes_its_outputs(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["--model", "mlp", "--data", "iris", "--epochs", "5", "--batch-size", "16", "--lr", "0.01",
                 "--out", str(out), "--no-progress"]) == 0
    record = json.loads((out / "history.json").read_text())
    assert [e["epoch"] for e in record["epochs"]] == [1, 2, 3, 4, 5]
    assert {"train_loss", "test_accuracy", "lr", "seconds", "samples_per_second"} <= set(record["epochs"][0])
    assert record["versions"]["tinygrad"] == "0.14.0"
    assert record["device"] == "CPU", "the MLP trains on tinygrad's default renderer (aifund/training/renderer.py)"
    assert record["final_test_accuracy"] > 0.8, "iris is easy: five epochs should classify most flowers"
    assert (out / "curves.png").read_bytes()[:8] == PNG
    model = MLP([4, 256, 128, 3])
    load_weights(model, out / "weights.npz")
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())
    assert "final test accuracy" in capsys.readouterr().out


def test_filter_picture_is_drawn_from_the_first_layer(tmp_path):
    from aifund.training.plots import save_filters
    weights = np.random.default_rng(0).standard_normal((32, 1, 3, 3)).astype(np.float32)
    save_filters(weights, tmp_path / "filters.png")
    assert (tmp_path / "filters.png").read_bytes()[:8] == PNG
