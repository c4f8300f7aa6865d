"""The kit's commands as a user meets them, from a folder of their own: the wrapper and the installed
command keep the caller's paths, the plugin runs from any folder and stays out of other projects' runs,
and bad input is one line with exit 4."""
import json
import pathlib
import subprocess
import sys

import pytest

from tests.meta.run_suite import clean_env

pytestmark = [pytest.mark.meta, pytest.mark.time_limit(300)]
ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
GOOD_RELU = "def relu(x):\n    return x.maximum(0)\n"


def report_of(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())["items"]


def test_the_wrapper_takes_paths_relative_to_the_callers_folder(tmp_path):
    work = tmp_path / "my_work"
    work.mkdir()
    (work / "mine.py").write_text(GOOD_RELU)
    proc = subprocess.run([str(ROOT / "conformance"), "--impl", "mine.py", "--spec-items", "act.relu.values",
                           "--conformance-json", "out/report.json", "-n", "0"], cwd=work, capture_output=True,
                          text=True, timeout=300, env=clean_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert report_of(work / "out" / "report.json")["act.relu.values"]["status"] == "pass"


def test_pytest_impl_runs_the_suite_from_any_folder(tmp_path):
    (tmp_path / "mine.py").write_text(GOOD_RELU)
    proc = subprocess.run([sys.executable, "-m", "pytest", "--impl", "mine.py", "--spec-items", "act.relu.",
                           "--conformance-json", "r.json", "-p", "no:cacheprovider"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=clean_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    statuses = {k: v["status"] for k, v in report_of(tmp_path / "r.json").items() if k.startswith("act.relu.")}
    assert statuses and set(statuses.values()) == {"pass"}, statuses
    assert "conformance by spec item" in proc.stdout


def test_the_plugin_stays_out_of_another_projects_tests(tmp_path):
    (tmp_path / "test_theirs.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env=clean_env())
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout[-2000:]
    assert "conformance" not in proc.stdout.lower(), "the kit's report appeared in a run that did not ask for it"


@pytest.mark.parametrize("args, words", [
    (["--spec-items", "act.sigmod."], ["act.sigmod.", "act.sigmoid."]),
    (["--impl", "nope.py"], ["nope.py", "no such file"]),
])
def test_the_installed_command_refuses_bad_input_in_one_line(tmp_path, args, words):
    proc = subprocess.run([str(BIN / "aifund-conformance"), *args, "-n", "0"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=clean_env())
    assert proc.returncode == 4, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if "ERROR" in line or "error:" in line]
    assert errors and all(w in errors[0] for w in words), proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr
