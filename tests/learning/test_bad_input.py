"""./train and ./edge given missing data or unusable weights: one line and exit 2, before any long work."""
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.data


def run(module: str, *args, cwd, env_data):
    env = {"PATH": "/usr/bin:/bin", "AIFUND_DATA": str(env_data), "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


def one_line(proc, *words):
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_train_without_the_mnist_files_says_where_they_belong(tmp_path):
    proc = run("aifund.training.train_cli", "--data", "mnist", "--no-progress", cwd=tmp_path, env_data=tmp_path / "empty")
    one_line(proc, "aifund-train:", str(tmp_path / "empty" / "mnist"), "download")
    assert not (tmp_path / "runs").exists(), "nothing is written when the data is missing"


@pytest.mark.parametrize("case, words", [
    ("absent", ["absent.npz", "not a readable"]),
    ("not_npz", ["not_npz.npz", "not a readable"]),
    ("mlp_shapes", ["array shapes", "mlp"]),
    ("cnn_for_mlp_file", ["array shapes", "cnn"]),
])
def test_edge_refuses_unusable_weights_before_training(tmp_path, case, words):
    if case == "not_npz":
        (tmp_path / "not_npz.npz").write_text("hello")
    np.savez(tmp_path / "mlp_shapes.npz", p0=np.zeros((784, 10)), p1=np.zeros(11))
    np.savez(tmp_path / "cnn_for_mlp_file.npz", p0=np.zeros((784, 10)), p1=np.zeros(10))
    name = {"cnn_for_mlp_file": "cnn_for_mlp_file.npz"}.get(case, f"{case}.npz")
    model = "cnn" if case == "cnn_for_mlp_file" else "mlp"
    proc = run("aifund.edge.pipeline", "--model", model, "--weights", name, "--out", "out", cwd=tmp_path,
               env_data=tmp_path / "empty")
    one_line(proc, "aifund-edge:", *words)


def test_edge_with_good_weights_but_no_data_says_where_the_data_belongs(tmp_path):
    np.savez(tmp_path / "w.npz", p0=np.zeros((784, 10), np.float32), p1=np.zeros(10, np.float32))
    proc = run("aifund.edge.pipeline", "--weights", "w.npz", "--out", "out", cwd=tmp_path, env_data=tmp_path / "empty")
    one_line(proc, "aifund-edge:", "mnist", "AIFUND_DATA")
