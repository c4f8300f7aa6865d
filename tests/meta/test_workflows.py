"""The GitHub Actions workflows (.github/workflows/*.yml): valid against GitHub's
workflow schema, and naming only what the kit has (tox environments, pytest
options, Hypothesis profiles, markers).

The schema check uses check-jsonschema, which vendors GitHub's workflow schema
(no network): `check-jsonschema --builtin-schema vendor.github-workflows FILE`.
"""
import configparser
import functools
import importlib.util
import os
import pathlib
import re
import shlex
import subprocess
import sys

import pytest

pytestmark = pytest.mark.meta
ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
KIT_COMMANDS = ("./conformance", "./run-tests")
# Named by explore.yml, final, but not yet defined by the kit: while absent the
# workflow's check skips (saying so) instead of failing; once defined it is
# checked like any other. Remove an entry when the kit has it.
PENDING: set[str] = set()


def _require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.fail(f"{module} is not installed: pip install check-jsonschema (it brings ruamel.yaml)")


def validate(path: pathlib.Path) -> subprocess.CompletedProcess:
    _require("check_jsonschema")
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True, timeout=120)


def load(path: pathlib.Path) -> dict:
    _require("ruamel.yaml")
    from ruamel.yaml import YAML   # YAML 1.2: `on:` stays the string "on" (PyYAML would make it True)
    return YAML(typ="safe").load(path.read_text())


def test_there_are_workflows():
    assert {p.name for p in WORKFLOWS} >= {"tests.yml", "explore.yml", "device-gates.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_github_schema(path):
    result = validate(path)
    assert result.returncode == 0, f"{path.name} is not a valid GitHub workflow:\n{result.stdout}{result.stderr}"


# The validator must be able to say no: each case breaks a valid workflow in one place.
VALID = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo ok
"""
BROKEN = {
    "job-without-runs-on-or-uses": (VALID.replace("    runs-on: ubuntu-latest\n", ""), "'runs-on' is a required property"),
    "no-on": (VALID.replace("on: push\n", ""), "'on' is a required property"),
    "misspelt-steps": (VALID.replace("    steps:", "    step:"), "'step' was unexpected"),
    "bad-permission": (VALID.replace("    steps:", "    permissions:\n      actions: readd\n    steps:"),
                       "'readd' is not one of"),
}


def test_validator_accepts_the_valid_base(tmp_path):
    path = tmp_path / "valid.yml"
    path.write_text(VALID)
    result = validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_validator_rejects_a_broken_workflow(tmp_path, case):
    text, reason = BROKEN[case]
    path = tmp_path / f"{case}.yml"
    path.write_text(text)
    result = validate(path)
    assert result.returncode == 1, f"the broken workflow was accepted:\n{text}\n{result.stdout}{result.stderr}"
    assert reason in result.stdout + result.stderr


# --- what the workflows name must exist in the kit ---------------------------------------------------------

def tox_envlist() -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini")
    return [env for env in re.split(r"[,\s]+", parser["tox"]["envlist"]) if env]


def test_tests_matrix_is_tox_envlist():
    job = load(ROOT / ".github" / "workflows" / "tests.yml")["jobs"]["tests"]
    matrix = job["strategy"]["matrix"]
    assert matrix["toxenv"] == tox_envlist()
    pythons = {entry["toxenv"]: entry["python"] for entry in matrix["include"]}
    assert pythons == {env: f"{env[2]}.{env[3:]}" for env in tox_envlist()}, "each py3XY env needs Python 3.XY"
    runs = [step.get("run", "") for step in job["steps"]]
    assert any("tox -e ${{ matrix.toxenv }}" in run for run in runs)


def kit_invocations(path: pathlib.Path) -> list[tuple[str, list[str]]]:
    """(job, arguments) for each ./conformance or ./run-tests line of a workflow's run steps."""
    found = []
    for name, job in load(path)["jobs"].items():
        for step in job.get("steps", []):
            for line in step.get("run", "").splitlines():
                words = shlex.split(line, comments=True)
                if words and words[0] in KIT_COMMANDS:
                    found.append((name, words[1:]))
    return found


def pytest_output(*args: str) -> subprocess.CompletedProcess:
    """pytest as ./conformance and ./run-tests start it, with the kit's plugin and conftest loaded."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_XDIST", "PYTEST_CURRENT_TEST", "HYPOTHESIS_PROFILE",
                                                "AIFUND_REQUIRE_DEVICE"))}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
                           "-p", "no:cacheprovider", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@functools.cache
def known_options() -> frozenset[str]:
    result = pytest_output("--help")
    assert result.returncode == 0, f"pytest --help fails in the kit:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    options = set()
    for line in result.stdout.splitlines():
        match = re.match(r"^ {2}(-\S.*?)(?: {2,}|$)", line)
        if match:
            options.update(re.split(r"[= ]", part)[0] for part in match.group(1).split(", "))
    return frozenset(options)


@functools.cache
def known_markers() -> frozenset[str]:
    result = pytest_output("--markers")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return frozenset(re.findall(r"^@pytest\.mark\.(\w+)", result.stdout, re.MULTILINE))


def problems_of(args: list[str]) -> list[tuple[str, str]]:
    """(key, problem) for each option, value or marker of a kit command line that the kit does not have."""
    problems = []
    words = iter(args)
    for word in words:
        if word == "-m":
            expression = next(words)
            for name in set(re.findall(r"[A-Za-z_]\w*", expression)) - {"and", "or", "not"}:
                if name not in known_markers():
                    problems.append((f"-m {name}", f"marker {name!r} is not declared"))
            continue
        if not word.startswith("--"):
            continue
        option, _, value = word.partition("=")
        if option not in known_options():
            problems.append((option, f"pytest has no option {option}"))
        elif value:
            result = pytest_output(word, "--help")
            output = result.stdout + result.stderr
            # --require-device=PROFILE also refuses a machine of another kind: only a bad choice counts here.
            refused_machine = option == "--require-device" and "invalid choice" not in output
            if result.returncode != 0 and not refused_machine:
                problems.append((word, f"{word} is refused:\n{output[-2000:]}"))
    return problems


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_commands_name_what_the_kit_has(path):
    problems = [(job, key, problem) for job, args in kit_invocations(path) for key, problem in problems_of(args)]
    real = [f"{path.name} job {job}: {problem}" for job, key, problem in problems if key not in PENDING]
    assert not real, "\n".join(real)
    if problems:
        pytest.skip("awaiting the kit: " + ", ".join(sorted({key for _, key, _ in problems})))


def test_workflows_run_the_kit_commands():
    named = {path.name: kit_invocations(path) for path in WORKFLOWS}
    assert ("conformance", []) in named["tests.yml"]
    assert ("explore", ["--hypothesis-profile=explore", "--example-db=.hypothesis/aifund-examples"]) in named["explore.yml"]
    assert {job for job, _ in named["device-gates.yml"]} == {"jetson", "cuda"}
