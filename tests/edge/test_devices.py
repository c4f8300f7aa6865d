"""Device detection on fake file systems: CPU only, a CUDA GPU, Jetson boards."""
import pytest

from aifund.edge.devices import detect

pytestmark = pytest.mark.edge
no_smi = lambda name: None  # noqa: E731


def write(root, path, text):
    f = root / path
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(text)


def test_plain_cpu(tmp_path):
    write(tmp_path, "proc/cpuinfo", "processor\t: 0\nmodel name\t: AMD EPYC 7B13\n")
    d = detect(tmp_path, which=no_smi)
    assert (d.cpu, d.cuda, d.jetson, d.profile) == ("AMD EPYC 7B13", False, None, "cpu")


def test_cuda_gpu_from_the_driver_file(tmp_path):
    write(tmp_path, "proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54\n")
    d = detect(tmp_path, which=no_smi)
    assert d.cuda and d.jetson is None and d.profile == "cuda"


@pytest.mark.parametrize("model", ["NVIDIA Jetson Nano Developer Kit\x00", "NVIDIA Jetson Orin Nano Developer Kit\x00"])
def test_jetson_from_the_device_tree(tmp_path, model):
    write(tmp_path, "proc/device-tree/model", model)
    d = detect(tmp_path, which=no_smi)
    assert d.jetson == model.rstrip("\x00") and d.cuda and d.profile == "jetson"


def test_jetson_from_nv_tegra_release(tmp_path):
    write(tmp_path, "etc/nv_tegra_release", "# R32 (release), REVISION: 7.1\n")
    assert detect(tmp_path, which=no_smi).profile == "jetson"


def test_a_raspberry_pi_is_not_a_jetson(tmp_path):
    write(tmp_path, "proc/device-tree/model", "Raspberry Pi 4 Model B Rev 1.4\x00")
    assert detect(tmp_path, which=no_smi).profile == "cpu"


def test_require_device_refuses_the_wrong_machine_before_any_work():
    """A CI job sent to the wrong runner fails at once (exit 4, one line), instead of passing on skips."""
    import subprocess
    import sys
    from aifund.edge.devices import mismatch
    from tests.meta.run_suite import REPO
    if mismatch(detect(), "jetson") is None:
        pytest.skip("this machine is a Jetson board: the refusal cannot be shown here")
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/edge/test_latency_gates.py", "-m", "jetson",
                           "--require-device=jetson", "-p", "no:cacheprovider", "-q"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "--require-device=jetson: this machine is not an NVIDIA Jetson board" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
