"""The training-throughput benchmark runs to its end with the smallest arguments and prints its ratios.

A smoke run, not a speed target: the figures depend on the machine and its load, so only their form and
their arithmetic are checked (the ratio is tinygrad's rate over the faster PyTorch rate of its row).
"""
import re

import pytest

from aifund.training.datasets import DataMissing, load_dataset
from benchmarks.train_throughput import main

pytestmark = pytest.mark.cpu
ROW = re.compile(r"^\s*32\s+1\s+([\d,]+)((?:\s+[\d,]+)+)\s+([\d.]+)\s*$", re.M)
PROBE = re.compile(r"^matmul probe 128x784 @ 784x256: tinygrad ([\d.]+) GFLOPS, .* GFLOPS; ratio ([\d.]+)$", re.M)


def test_train_throughput_smoke_run(capsys):
    try:
        load_dataset("mnist-5k")
    except DataMissing as exc:
        pytest.skip(f"the benchmark trains on mnist-5k, which is not in the data directory: {exc}")
    assert main(["--batch", "32", "--steps", "3", "--rounds", "1", "--no-gate"]) == 0
    out = capsys.readouterr().out
    row = ROW.search(out)
    assert row, f"no ratio row for batch 32 in:\n{out}"
    tiny = float(row[1].replace(",", ""))
    peers = [float(v.replace(",", "")) for v in row[2].split()]
    assert tiny > 0 and peers and min(peers) > 0
    assert float(row[3]) == pytest.approx(tiny / max(peers), abs=0.01)
    probe = PROBE.search(out)
    assert probe and float(probe[1]) > 0 and float(probe[2]) > 0, f"no matrix-product probe line in:\n{out}"
