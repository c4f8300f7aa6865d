"""Which inference devices this machine has: CPU, an NVIDIA CUDA GPU, an NVIDIA Jetson board.

Jetson boards identify themselves in ``/proc/device-tree/model`` (e.g.
"NVIDIA Jetson Nano Developer Kit") and ship ``/etc/nv_tegra_release``. A CUDA
GPU is recognised by the NVIDIA driver's ``/proc/driver/nvidia/version`` or by
``nvidia-smi`` on the PATH. ``root`` lets tests point at a fake file system.
"""
from __future__ import annotations

import pathlib
import platform
import shutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Devices:
    cpu: str              # the CPU's model name (or the architecture)
    cuda: bool
    jetson: str | None    # the board's model string, None when not a Jetson

    @property
    def profile(self) -> str:
        """The latency-budget profile that applies: jetson, cuda or cpu."""
        return "jetson" if self.jetson else "cuda" if self.cuda else "cpu"


def _read(path: pathlib.Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", "replace").strip("\x00\n ")
    except OSError:
        return None


def detect(root: str | pathlib.Path = "/", which=shutil.which) -> Devices:
    root = pathlib.Path(root)
    model = _read(root / "proc/device-tree/model")
    tegra = (root / "etc/nv_tegra_release").is_file()
    jetson = model if model and "jetson" in model.lower() else ("NVIDIA Jetson (nv_tegra_release)" if tegra else None)
    cuda = bool(jetson) or (root / "proc/driver/nvidia/version").is_file() or (str(root) == "/" and which("nvidia-smi") is not None)
    cpuinfo = _read(root / "proc/cpuinfo") or ""
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.lower().startswith("model name")]
    return Devices(cpu=names[0] if names else platform.machine(), cuda=cuda, jetson=jetson)


PROFILES = ("cpu", "cuda", "jetson")


def mismatch(devices: Devices, profile: str) -> str | None:
    """None when this machine is of ``profile``, else why it is not (one line)."""
    if profile == "jetson" and not devices.jetson:
        return "not an NVIDIA Jetson board (no 'Jetson' in /proc/device-tree/model and no /etc/nv_tegra_release)"
    if profile == "cuda" and (not devices.cuda or devices.jetson):
        return "no discrete NVIDIA CUDA GPU on this machine (no NVIDIA driver, or it is a Jetson)"
    if profile == "cpu" and devices.jetson:
        return "this is a Jetson board: its own profile's budgets apply (--require-device=jetson)"
    return None
