"""Files that must agree with each other: the spec index, tox's and pyproject's dependencies, the README."""
import pathlib
import subprocess
import sys
import tomllib

import pytest

pytestmark = pytest.mark.meta
ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_spec_index_is_current():
    result = subprocess.run([sys.executable, "scripts/spec_index.py", "--check"], cwd=ROOT)
    assert result.returncode == 0, "spec/INDEX.md is out of date: run scripts/spec_index.py"


def test_tox_installs_what_pyproject_declares():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    tox = (ROOT / "tox.ini").read_text().split("deps =", 1)[1].split("commands", 1)[0]
    assert sorted(line.strip() for line in tox.splitlines() if line.strip()) == sorted(declared)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./run-tests" in readme.split("##")[0] + readme.split("##")[1]
    assert "./conformance" in readme.split("##")[0] + readme.split("##")[1]
    assert "exec ./run-tests" in ci
