"""benchmarks/latency.py runs to its end with the smallest arguments and prints its ratio lines (a smoke run:
no figure is judged here; speed targets are read from the benchmark's own output, never from a test)."""
import pytest

from benchmarks import latency

pytestmark = pytest.mark.edge


def test_latency_benchmark_smoke_run(tmp_path):
    lines = []
    code = latency.main(["--model", "mlp", "--runs", "3", "--batch", "1", "--calibration", "random", "--explain",
                         "--weights-dir", str(tmp_path), "--out", str(tmp_path / "latency.json")], log=lines.append)
    out = "\n".join(map(str, lines))
    assert code == 0
    assert "CPU integer features:" in out
    for ratio in ("RATIO mlp batch 1: INT8 runtime / float runtime", "RATIO mlp size: INT8 file / float file",
                  "RATIO mlp batch 1: exported float"):
        assert ratio in out, out
    assert "per-call overhead (identity model)" in out     # --explain prints the measurements behind a ratio
    assert (tmp_path / "latency.json").read_text().count('"onnxruntime int8"') == 1


def test_integer_features_read_vnni_from_the_flags(tmp_path):
    (tmp_path / "vnni").write_text("processor : 0\nflags : fpu avx2 avx512bw avx512_vnni\n")
    (tmp_path / "plain").write_text("processor : 0\nflags : fpu sse2 avx2\n")
    (tmp_path / "arm").write_text("processor : 0\nFeatures : fp asimd asimddp i8mm\n")
    assert latency.integer_features(tmp_path / "vnni").endswith("instruction: yes")
    assert latency.integer_features(tmp_path / "plain") == "avx2 -> 8-bit dot product instruction: NO"
    assert "asimddp i8mm" in latency.integer_features(tmp_path / "arm")
    assert latency.integer_features(tmp_path / "missing").startswith("unknown")
