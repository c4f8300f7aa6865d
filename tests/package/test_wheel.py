"""The kit as a user installs it: a wheel built from this repository, in a fresh environment, used from a
folder that is not the kit's. The checks run from the installed package alone (its spec items, conformance
tests, reference and plugin); the fresh environment borrows only the third-party packages of the kit's own
environment, so no source folder of the kit is on its path."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

from aifund.spec import load_items
from tests.package.fresh_env import fresh_env

pytestmark = [pytest.mark.meta, pytest.mark.xdist_group("wheel"), pytest.mark.time_limit(600)]
ROOT = pathlib.Path(__file__).resolve().parents[2]
# relu is right, sigmoid wrong; relu raises when the sandbox shows it the kit's checks or reference
MINE = """import glob, sys
LEAK = [p for s in sys.path for p in glob.glob(s + "/aifund/conformance/*.py") + glob.glob(s + "/aifund/reference/*.py")]

def relu(x):
    if LEAK:
        raise RuntimeError(f"the kit is visible from the implementation's process: {LEAK[:2]}")
    return x.maximum(0)

def sigmoid(x):
    return x.tanh()
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("dist")
    source = out / "source"   # a copy: a build writes build/ and aifund.egg-info/ beside the sources it builds
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "runs",
                                                                 "reports", "dist"))
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (path,) = out.glob("aifund-*.whl")
    return path


@pytest.fixture(scope="module")
def fresh(wheel, tmp_path_factory) -> pathlib.Path:
    """A new virtual environment with the wheel installed (tests/package/fresh_env.py)."""
    env = tmp_path_factory.mktemp("venv") / "fresh"
    fresh_env(env, wheel)
    return env


def test_the_wheel_is_one_package_with_every_spec_item_and_the_suite(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"aifund"}, f"the wheel installs more than the package aifund: {sorted(tops)}"
    for toml in sorted(p.name for p in (ROOT / "spec").glob("*.toml")):
        assert f"aifund/spec/{toml}" in names, f"the wheel lacks spec/{toml}"
    for test in sorted(p.name for p in (ROOT / "tests" / "conformance").glob("test_*.py")):
        assert f"aifund/conformance/{test}" in names, f"the wheel lacks tests/conformance/{test}"
    for needed in ("aifund/reference/__init__.py", "aifund/kit/plugin.py", "aifund/kit/pytest.ini",
                   "aifund/worker/serve.py", "aifund/grader/__main__.py"):
        assert needed in names, needed
    entry_points = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "[pytest11]" in entry_points and "aifund = aifund.kit.plugin" in entry_points
    for script in ("aifund-conformance", "aifund-grade", "aifund-train", "aifund-edge", "aifund-contract"):
        assert script in entry_points, script


def test_the_installed_kit_lists_every_spec_item(fresh, tmp_path):
    listed = subprocess.run([str(fresh / "bin" / "aifund-contract"), "items"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr[-3000:]
    ids = {line.split()[0] for line in listed.stdout.splitlines() if line.strip() and not line.startswith(" ")}
    assert ids == set(load_items()), f"the installed kit lists {len(ids)} items; the repository has {len(load_items())}"
    where = subprocess.run([str(fresh / "bin" / "python"), "-c", "import aifund.spec; print(aifund.spec.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60).stdout
    assert str(fresh) in where, f"aifund.spec came from {where!r}, not from the installed wheel"


@pytest.mark.parametrize("script", ["aifund-conformance", "aifund-grade", "aifund-train", "aifund-edge",
                                    "aifund-contract"])
def test_each_installed_command_says_its_version_and_help(fresh, script, tmp_path):
    version = subprocess.run([str(fresh / "bin" / script), "--version"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=120)
    assert version.returncode == 0 and version.stdout.strip().endswith(__import__("aifund").__version__), version
    shown = subprocess.run([str(fresh / "bin" / script), "--help"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120)
    assert shown.returncode == 0 and "usage:" in shown.stdout, shown.stderr[-2000:]
    if script != "aifund-contract":    # a command whose options have defaults shows them
        assert "(default:" in shown.stdout, f"{script} --help shows no defaults"


def test_pytest_impl_from_any_folder_with_the_installed_wheel(fresh, tmp_path):
    (tmp_path / "mine.py").write_text(MINE)
    report = tmp_path / "report.json"
    run = subprocess.run([str(fresh / "bin" / "python"), "-m", "pytest", "--impl", "mine.py",
                          "--spec-items", "act.relu.values,act.sigmoid.values", "--conformance-json", "report.json",
                          "-p", "no:cacheprovider"], cwd=tmp_path, capture_output=True, text=True, timeout=400)
    assert report.is_file(), run.stdout[-3000:] + run.stderr[-3000:]
    data = json.loads(report.read_text())
    items = data["items"]
    if data["sandbox"].startswith("bubblewrap"):
        assert items["act.relu.values"]["status"] == "pass", items["act.relu.values"]
    else:   # no sandbox on this machine: the installed package is in plain sight, which relu reports
        assert "the kit is visible" in items["act.relu.values"]["message"], items["act.relu.values"]
    assert items["act.sigmoid.values"]["status"] == "fail", items["act.sigmoid.values"]
    assert run.returncode == 1, "a failing item makes the exit status 1"
    assert "conformance by spec item" in run.stdout and "act.sigmoid.values" in run.stdout


def test_device_gates_and_the_gradescope_bundle_work_from_the_installed_wheel(fresh, wheel, tmp_path):
    """The gates' --require-device is the plugin's (the wheel has no root conftest), the gates ship in the package,
    and the bundle is built from the installed package folder (no clone) and installs as a package again."""
    from aifund.edge.devices import detect, mismatch
    from aifund.edge.latency_gates import BUDGETS
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHONPATH", "AIFUND_REQUIRE"))}

    def run(*args, timeout=300):
        return subprocess.run([str(a) for a in args], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=timeout)

    pytest_cmd = [fresh / "bin" / "python", "-m", "pytest", "-p", "no:cacheprovider", "--pyargs",
                  "aifund.edge.latency_gates"]
    wrong = next(p for p in ("cuda", "jetson") if mismatch(detect(), p))
    for refused in (run(*pytest_cmd, "-m", wrong, f"--require-device={wrong}"),
                    run(fresh / "bin" / "aifund-conformance", "--device-gates", wrong)):
        assert refused.returncode == 4, refused.stdout[-2000:] + refused.stderr[-2000:]
        assert refused.stderr.strip().splitlines()[-1] == f"ERROR: --require-device={wrong}: this machine is " \
                                                         f"{mismatch(detect(), wrong)}", refused.stderr
        assert "Traceback" not in refused.stdout + refused.stderr
    if mismatch(detect(), "cpu") is None:
        listed = run(*pytest_cmd, "-m", "cpu", "--require-device=cpu", "--collect-only", "-q")
        assert listed.returncode == 0, listed.stdout[-3000:] + listed.stderr[-3000:]
        gates = [line for line in listed.stdout.splitlines() if "test_latency_within_budget[cpu-" in line]
        assert len(gates) == len(BUDGETS["cpu"]["median_ms"]) > 0, listed.stdout[-3000:]
    where = run(fresh / "bin" / "python", "-c", "import aifund.edge.latency_gates as g; print(g.__file__)").stdout
    assert where.startswith(str(fresh)), f"the gates came from {where!r}, not from the installed wheel"

    built = run(fresh / "bin" / "aifund-grade", "--gradescope-bundle", tmp_path / "autograder.zip",
                "--spec-items", "act.relu.values")
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    names = zipfile.ZipFile(tmp_path / "autograder.zip").namelist()
    in_wheel = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("aifund/")}
    assert {n[len("kit/"):] for n in names if n.startswith("kit/aifund/")} == in_wheel, "the bundle is the package"
    assert {"setup.sh", "run_autograder", "bundle.json", "kit/pyproject.toml", "kit/README.md"} <= set(names)
    with zipfile.ZipFile(tmp_path / "autograder.zip") as z:
        z.extractall(tmp_path / "source")
    again = fresh_env(tmp_path / "bundle-venv", tmp_path / "source" / "kit")   # what setup.sh does, offline
    check = run(again, "-c", "import aifund, aifund.grader.autograde, aifund.kit.plugin as p, aifund.spec as s; "
                             "from importlib.metadata import entry_points as e; print(aifund.__version__, "
                             "len(s.load_items()), [x.value for x in e(group='pytest11') if x.name == 'aifund'])")
    assert check.returncode == 0, check.stderr[-3000:]
    assert check.stdout.strip().split(maxsplit=2) == [__import__("aifund").__version__, str(len(load_items())),
                                              "['aifund.kit.plugin']"], check.stdout
