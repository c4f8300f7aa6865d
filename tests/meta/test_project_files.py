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


def test_tox_builds_and_installs_the_package_with_its_test_extra():
    """tox installs the kit as a package (so its pytest plugin is registered) and lists no dependency of its
    own: pyproject.toml is the one list."""
    import configparser
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini")
    env = tox["testenv"]
    assert env.get("package") == "editable" and env.get("extras", "").split() == ["test"]
    assert "deps" not in env, "tox must take the dependencies from pyproject.toml, not a list of its own"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "test" in extras


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./run-tests" in readme.split("##")[0] + readme.split("##")[1]
    assert "./conformance" in readme.split("##")[0] + readme.split("##")[1]
    assert "exec ./run-tests" in ci
