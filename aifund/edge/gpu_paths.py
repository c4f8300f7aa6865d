"""The GPU inference paths (tinygrad's CUDA/NV backend, onnxruntime's CUDA and TensorRT providers, TensorRT's
trtexec) and, for each, why it is unavailable on this machine. Never falls back to the CPU under a GPU name.

Each ``*_path`` returns a zero-argument callable that leaves its result in host memory (as aifund/edge/paths.py
does), so timing it includes the copies a deployed model pays. ``trtexec_timing`` runs NVIDIA's own timer
(JetPack ships it in /usr/src/tensorrt/bin) and reads its end-to-end latency summary.
"""
from __future__ import annotations

import contextlib
import pathlib
import re
import shutil
import subprocess

import numpy as np

TINYGRAD_GPUS = ("NV", "CUDA")          # tinygrad's NVIDIA backends: its own driver interface, then libcuda
ORT_GPU_PROVIDERS = {"onnxruntime-tensorrt": "TensorrtExecutionProvider", "onnxruntime-cuda": "CUDAExecutionProvider"}
TRTEXEC_DIRS = ("/usr/src/tensorrt/bin",)
GPU_PATHS = ("tinygrad-gpu", *ORT_GPU_PROVIDERS, "tensorrt")
# tinygrad's backend needs only the NVIDIA driver, so a GPU gate run without it is a broken machine; the other
# runtimes are separate installs (onnxruntime-gpu, TensorRT) and are skipped, with the reason, when absent
REQUIRED_ON_GPU = ("tinygrad-gpu",)


def tinygrad_gpu() -> str | None:
    """The first NVIDIA device tinygrad can open here, or None."""
    from tinygrad import Device
    for name in TINYGRAD_GPUS:
        with contextlib.suppress(Exception):
            return Device[name].device
    return None


def trtexec() -> str | None:
    found = shutil.which("trtexec")
    if found:
        return found
    return next((str(p) for d in TRTEXEC_DIRS if (p := pathlib.Path(d) / "trtexec").is_file()), None)


def unavailable(path: str) -> str | None:
    """None when ``path`` can run here, else one line saying what is missing."""
    if path == "tinygrad-gpu":
        return None if tinygrad_gpu() else (f"tinygrad opens none of {', '.join(TINYGRAD_GPUS)} here "
                                            "(no NVIDIA driver, or libcuda/nvrtc not found)")
    if path in ORT_GPU_PROVIDERS:
        try:
            import onnxruntime
        except ImportError:
            return "onnxruntime is not installed (the [edge] extra; onnxruntime-gpu for the GPU providers)"
        have = onnxruntime.get_available_providers()
        return None if ORT_GPU_PROVIDERS[path] in have else (
            f"this onnxruntime offers {', '.join(have)}, not {ORT_GPU_PROVIDERS[path]} (install onnxruntime-gpu, "
            "on a Jetson the wheel built for its JetPack)")
    if path == "tensorrt":
        return None if trtexec() else "no trtexec on the PATH or in /usr/src/tensorrt/bin (TensorRT is not installed)"
    raise ValueError(f"unknown GPU path {path!r}")


def tinygrad_gpu_path(kind: str, arrays: list[np.ndarray], x: np.ndarray):
    """TinyJit forward on the GPU; each call copies the batch in and the logits out."""
    from tinygrad import Tensor, TinyJit
    from aifund.edge.paths import tinygrad_model
    device = tinygrad_gpu()
    if device is None:
        raise RuntimeError(unavailable("tinygrad-gpu"))
    model = tinygrad_model(kind, arrays)
    for p in model.parameters():
        p.replace(p.to(device).realize())
    forward = TinyJit(lambda t: model.logits(t).realize())
    resident = Tensor(x, device=device).realize()

    def run():
        resident.assign(Tensor(x, device=device)).realize()
        return forward(resident).numpy()
    return run


def onnxruntime_gpu_path(path: str, onnx_file: pathlib.Path, x: np.ndarray):
    import onnxruntime
    reason = unavailable(path)
    if reason:
        raise RuntimeError(reason)
    sess = onnxruntime.InferenceSession(str(onnx_file), providers=[ORT_GPU_PROVIDERS[path]])
    if sess.get_providers()[0] != ORT_GPU_PROVIDERS[path]:      # onnxruntime falls back silently otherwise
        raise RuntimeError(f"onnxruntime did not take {ORT_GPU_PROVIDERS[path]} (it runs on {sess.get_providers()})")
    return lambda: sess.run(["probabilities"], {"input": x})[0]


_SUMMARY = re.compile(r"Latency: min =? ?(?P<min>[\d.]+) ms.*?median =? ?(?P<median>[\d.]+) ms"
                      r"(?:.*?percentile\(90%\) =? ?(?P<p90>[\d.]+) ms)?")


def parse_trtexec(output: str) -> tuple[float, float | None]:
    """(median ms, p90 ms or None) of the end-to-end 'Latency:' line of trtexec's performance summary."""
    for line in output.splitlines():
        if "Latency:" in line and "GPU" not in line and "H2D" not in line and "D2H" not in line:
            if m := _SUMMARY.search(line):
                return float(m["median"]), float(m["p90"]) if m["p90"] else None
    raise ValueError("trtexec printed no 'Latency: ... median = ...' line in its performance summary")


def trtexec_timing(kind: str, onnx_file: pathlib.Path, batch: int, timeout_s: float = 600.0):
    """Builds a float TensorRT engine of the exported model for ``batch`` and times it: (median ms, p90 ms)."""
    binary = trtexec()
    if binary is None:
        raise RuntimeError(unavailable("tensorrt"))
    shape = f"input:{batch}x784" if kind == "mlp" else f"input:{batch}x1x28x28"
    command = [binary, f"--onnx={onnx_file}", f"--shapes={shape}", "--duration=3"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"trtexec failed ({done.returncode}): {done.stdout[-500:]}{done.stderr[-500:]}")
    return parse_trtexec(done.stdout)
