"""The GPU paths say why they cannot run instead of running on the CPU under a GPU's name, and trtexec's
summary is read right. On a machine with an NVIDIA GPU the first tests check the other direction."""
import pathlib
import stat

import numpy as np
import pytest

from aifund.edge import gpu_paths
from aifund.edge.devices import detect

HAS_GPU = detect().cuda

# The end-to-end line of trtexec's performance summary as TensorRT 8.6 and 10 print it, and the shorter
# form of older releases (no '=' signs, no 90th percentile).
TRT_10 = """[I] === Performance summary ===
[I] Throughput: 4213.6 qps
[I] Latency: min = 0.201 ms, max = 0.9 ms, mean = 0.25 ms, median = 0.237 ms, percentile(90%) = 0.31 ms, percentile(95%) = 0.4 ms
[I] Enqueue Time: min = 0.1 ms, max = 0.5 ms, mean = 0.2 ms, median = 0.19 ms, percentile(90%) = 0.22 ms
[I] H2D Latency: min = 0.01 ms, max = 0.02 ms, mean = 0.012 ms, median = 0.011 ms, percentile(90%) = 0.013 ms
[I] GPU Compute Time: min = 0.1 ms, max = 0.6 ms, mean = 0.15 ms, median = 0.14 ms, percentile(90%) = 0.2 ms
"""
TRT_OLD = "[I] Latency: min = 5.38959 ms, max 6.19507 ms, mean 5.93288 ms, median 6.02185 ms, percentile(99%) 6.17407 ms"


@pytest.mark.skipif(HAS_GPU, reason="checks the machine without an NVIDIA GPU; this one has one")
def test_without_a_gpu_every_gpu_path_says_why_and_refuses_to_run():
    assert gpu_paths.tinygrad_gpu() is None
    for path in gpu_paths.GPU_PATHS:
        if path != "tensorrt":
            assert gpu_paths.unavailable(path), path
    with pytest.raises(RuntimeError, match="tinygrad opens none"):
        gpu_paths.tinygrad_gpu_path("mlp", [np.zeros((784, 10), np.float32), np.zeros(10, np.float32)],
                                    np.zeros((1, 784), np.float32))
    with pytest.raises(RuntimeError, match="CUDAExecutionProvider"):
        gpu_paths.onnxruntime_gpu_path("onnxruntime-cuda", pathlib.Path("unused.onnx"), np.zeros((1, 784), np.float32))


@pytest.mark.skipif(not HAS_GPU, reason="needs an NVIDIA GPU (none on this machine): tinygrad must open it")
def test_with_a_gpu_tinygrad_opens_it():
    assert gpu_paths.unavailable("tinygrad-gpu") is None


def test_unknown_gpu_path_is_refused():
    with pytest.raises(ValueError, match="unknown GPU path"):
        gpu_paths.unavailable("cuda-but-really-cpu")


@pytest.mark.parametrize("output, expected", [(TRT_10, (0.237, 0.31)), (TRT_OLD, (6.02185, None))])
def test_trtexec_summary_is_read_from_the_end_to_end_line(output, expected):
    assert gpu_paths.parse_trtexec(output) == expected


def test_trtexec_output_without_a_summary_is_an_error():
    with pytest.raises(ValueError, match="no 'Latency"):
        gpu_paths.parse_trtexec("[E] Error[4]: engine build failed\n[I] GPU Compute Time: median = 1 ms")


def test_trtexec_is_run_with_the_models_input_shape(tmp_path, monkeypatch):
    """A stand-in trtexec on the PATH records its arguments and prints a summary."""
    fake = tmp_path / "trtexec"
    fake.write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path}/args\ncat <<'EOF'\n{TRT_10}EOF\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    assert gpu_paths.unavailable("tensorrt") is None
    assert gpu_paths.trtexec_timing("cnn", tmp_path / "cnn.onnx", 64) == (0.237, 0.31)
    assert "--shapes=input:64x1x28x28" in (tmp_path / "args").read_text()
