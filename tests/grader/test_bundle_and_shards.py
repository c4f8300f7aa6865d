"""Grading beyond one machine: a Gradescope autograder bundle, and ./grade --shard I/N with --merge.

The bundle is unzipped into a folder laid out like Gradescope's /autograder
(ROOT/source, ROOT/submission, ROOT/results) and its run_autograder is run
with AUTOGRADER_ROOT and KIT_PYTHON pointing there, so the bundled kit (not
this checkout) grades a student's file. The shards grade three small
submissions in two slices and merge them without the submissions. Every
grade is restricted to one or two spec items to stay quick.
"""
from __future__ import annotations

import csv
import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

from tests.package.fresh_env import fresh_env

from tests.meta.run_suite import REPO

pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(600)]

ITEMS = "act.sigmoid.values,act.relu.values"
# A student's own file (not the kit's mutant, which imports the reference): relu right, sigmoid's sign wrong.
STUDENT = textwrap.dedent('''
    from tinygrad import Tensor

    def sigmoid(z):
        return 1 / (1 + z.exp())     # the sign of the exponent is wrong

    def relu(z):
        return z.maximum(0)
''')
COURSE = '[weights]\n"act.sigmoid.values" = 3.0\n"act.relu.values" = 1.0\n'
NO_NAMESPACES = "bubblewrap cannot create namespaces here: (a test's stand-in)"


def grade_cmd(*args, timeout=600, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "aifund.grader", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def one_line_refusal(proc, words):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------------------------ Gradescope bundle

@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bundle")
    (tmp / "course.toml").write_text(COURSE)
    proc = grade_cmd("--gradescope-bundle", tmp / "autograder.zip", "--config", tmp / "course.toml",
                     "--spec-items", ITEMS, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tmp / "autograder.zip"


@pytest.fixture(scope="module")
def bundle_python(bundle, tmp_path_factory) -> pathlib.Path:
    """What setup.sh makes of the bundle, without the network: the bundled kit/ pip-installed into a fresh
    environment (tests/package/fresh_env.py), whose python run_autograder then uses."""
    tmp = tmp_path_factory.mktemp("bundle-env")
    with zipfile.ZipFile(bundle) as z:
        z.extractall(tmp / "source")
    return fresh_env(tmp / "venv", tmp / "source" / "kit")


def gradescope_root(bundle: pathlib.Path, where: pathlib.Path) -> pathlib.Path:
    """A folder laid out like Gradescope's /autograder, with the bundle unzipped into ROOT/source."""
    for sub in ("source", "submission", "results"):
        (where / sub).mkdir(parents=True)
    with zipfile.ZipFile(bundle) as z:
        z.extractall(where / "source")
    return where


def run_autograder(root: pathlib.Path, python=sys.executable, timeout=600):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHONPATH"))}
    env.update(AUTOGRADER_ROOT=str(root), KIT_PYTHON=str(python))
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, cwd=root, capture_output=True,
                          text=True, timeout=timeout)
    results = root / "results" / "results.json"
    assert results.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc, json.loads(results.read_text())


def assert_gradescope_shape(data: dict):
    assert isinstance(data["score"], (int, float)) and isinstance(data["output"], str), data
    assert isinstance(data["tests"], list)
    for t in data["tests"]:
        assert set(t) >= {"name", "score", "max_score", "status", "output", "visibility"}, t
        assert t["status"] in ("passed", "failed") and t["visibility"] in ("visible", "hidden", "after_due_date",
                                                                         "after_published")
        assert 0 <= t["score"] <= t["max_score"]


def test_the_bundle_holds_the_kit_and_nothing_else(bundle):
    names = zipfile.ZipFile(bundle).namelist()
    for needed in ("setup.sh", "run_autograder", "bundle.json", "course.toml", "kit/pyproject.toml", "kit/README.md",
                   "kit/aifund/grader/__main__.py", "kit/aifund/grader/autograde.py", "kit/aifund/kit/pytest.ini",
                   "kit/aifund/sandbox.py", "kit/aifund/worker/serve.py", "kit/aifund/kit/plugin.py",
                   "kit/tests/conformance/test_s05_activations.py", "kit/spec/s05_activations.toml",
                   "kit/impl/activations.py"):
        assert needed in names, needed
    for name in names:
        assert not any(part in name.split("/") for part in (".venv", ".git", "runs", "reports", "__pycache__")), name
        assert not name.startswith(("kit/tests/meta/", "kit/tests/mutants/", "kit/tests/grader/")), name
    assert "pip install" in zipfile.ZipFile(bundle).read("setup.sh").decode()
    manifest = json.loads(zipfile.ZipFile(bundle).read("bundle.json"))
    assert manifest["spec_items"] == ITEMS.split(",") and manifest["config"] == "course.toml"
    setup = zipfile.ZipFile(bundle).read("setup.sh").decode()
    assert "apt-get install" in setup and "bubblewrap" in setup and "clang" in setup and "deadsnakes" in setup
    for script in ("setup.sh", "run_autograder"):
        check = subprocess.run(["bash", "-n"], input=zipfile.ZipFile(bundle).read(script), capture_output=True)
        assert check.returncode == 0, (script, check.stderr)


def test_run_autograder_grades_a_student_file_in_gradescope_format(bundle, bundle_python, tmp_path):
    from aifund import sandbox
    root = gradescope_root(bundle, tmp_path / "autograder")
    (root / "submission" / "activations.py").write_text(STUDENT)
    proc, data = run_autograder(root, python=bundle_python)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert_gradescope_shape(data)
    by_id = {t["number"]: t for t in data["tests"]}
    assert set(by_id) == set(ITEMS.split(",")), "the bundle grades the items it was built for, and only those"
    assert by_id["act.sigmoid.values"]["status"] == "failed" and by_id["act.relu.values"]["status"] == "passed"
    assert "act.sigmoid.values" in by_id["act.sigmoid.values"]["name"]
    assert "differs" in by_id["act.sigmoid.values"]["output"]
    # the course config's weights came along: sigmoid 3, relu 1 of 4
    assert data["score"] == 25.0 < 100, data["score"]
    assert by_id["act.relu.values"]["max_score"] == 25.0
    assert ("without the bubblewrap sandbox" in data["output"]) == (sandbox.probe() is not None), data["output"]
    # the kit installed from the bundle graded it, not this checkout
    graded_by = next(line for line in proc.stdout.splitlines() if line.startswith("autograde: kit "))
    assert graded_by.startswith(f"autograde: kit {bundle_python.parents[1]}/"), graded_by


def test_without_namespaces_the_autograder_grades_unsandboxed_and_says_so(bundle, bundle_python, tmp_path):
    """A package uploaded as its files (submission/__init__.py); bubblewrap made to look unavailable."""
    root = gradescope_root(bundle, tmp_path / "autograder")
    (root / "submission" / "__init__.py").write_text("from .acts import sigmoid, relu\n")
    (root / "submission" / "acts.py").write_text(STUDENT)
    code = ("import pathlib, sys; from aifund.grader.autograde import autograde; "
            f"sys.exit(autograde(pathlib.Path(sys.argv[1]), probe=lambda: {NO_NAMESPACES!r}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHONPATH"))}
    proc = subprocess.run([str(bundle_python), "-c", code, str(root)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "--no-sandbox" in proc.stdout
    data = json.loads((root / "results" / "results.json").read_text())
    assert_gradescope_shape(data)
    assert data["score"] == 25.0
    assert "without the bubblewrap sandbox" in data["output"] and NO_NAMESPACES in data["output"]
    assert "container" in data["output"]


@pytest.mark.parametrize("files, words", [
    ({}, "Nothing to grade"),
    ({"README.txt": "hello"}, "Nothing to grade"),
    ({"a.py": STUDENT, "b.py": STUDENT}, "ambiguous"),
    ({"a.py": STUDENT, "pkg/__init__.py": STUDENT}, "ambiguous"),
])
def test_an_empty_or_ambiguous_upload_scores_zero_with_a_message(bundle, tmp_path, files, words):
    root = gradescope_root(bundle, tmp_path / "autograder")
    for name, text in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
    proc, data = run_autograder(root, timeout=120)
    assert data["score"] == 0 and data["tests"] == [] and words in data["output"], data
    for name in files:
        if name.endswith(".py"):
            assert name.split("/")[0] in data["output"], "the message names what it found"


def test_a_missing_environment_still_writes_results(bundle, tmp_path):
    root = gradescope_root(bundle, tmp_path / "autograder")
    (root / "submission" / "a.py").write_text(STUDENT)
    proc, data = run_autograder(root, python=tmp_path / "no-python", timeout=60)
    assert proc.returncode != 0 and data["score"] == 0 and "not set up" in data["output"], data


@pytest.mark.parametrize("args, words", [
    (["--gradescope-bundle", "OUT/autograder.tar"], "the bundle is a .zip file"),
    (["--gradescope-bundle", "OUT/a.zip", "--spec-items", "act.sigmod."], "is not a spec item id or prefix"),
    (["--gradescope-bundle", "OUT/a.zip", "--config", "OUT/nope.toml"], "cannot read it"),
    (["--gradescope-bundle", "OUT/a.zip", "impl"], "--gradescope-bundle takes no submissions"),
])
def test_bad_bundle_requests_are_one_line(tmp_path, args, words):
    proc = grade_cmd(*[a.replace("OUT", str(tmp_path)) for a in args], timeout=120)
    one_line_refusal(proc, words)
    assert not list(tmp_path.glob("*.zip")) and not list(tmp_path.glob("*.tar"))


def test_kit_files_walk_the_folders_outside_git(tmp_path):
    from aifund.grader.bundle import kit_files
    for rel in ("pyproject.toml", "conftest.py", "grade", "aifund/grader/__main__.py", "aifund/grader/autograde.py",
                "tests/__init__.py", "aifund/kit/plugin.py", "tests/conformance/test_x.py", "spec/a.toml",
                "aifund/grader/__pycache__/x.pyc", ".venv/lib/x.py", "runs/w.bin", "tests/meta/test_y.py",
                "README.md", "impl/cnn.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert kit_files(tmp_path) == sorted(["pyproject.toml", "README.md", "aifund/grader/__main__.py",
                                          "aifund/grader/autograde.py", "aifund/kit/plugin.py", "impl/cnn.py",
                                          "tests/conformance/test_x.py", "spec/a.toml"])


# ------------------------------------------------------------------------------------------------------ shards

RELU_OK = "def relu(z):\n    return z.maximum(0)\n"
RELU_WRONG = "def relu(z):\n    return z\n"


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    """Three submissions (two files, one package) graded as shards 1/2 and 2/2, on act.relu.values only."""
    tmp = tmp_path_factory.mktemp("shards")
    subs = tmp / "submissions"
    (subs / "carol").mkdir(parents=True)
    (subs / "alice.py").write_text(RELU_OK)
    (subs / "bob.py").write_text(RELU_WRONG)
    (subs / "carol" / "__init__.py").write_text(RELU_OK)
    outs = []
    for i in (1, 2):
        proc = grade_cmd("--shard", f"{i}/2", subs, "--out", tmp / f"shard-{i}", "--spec-items", "act.relu.values")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        outs.append(tmp / f"shard-{i}")
    shutil.rmtree(subs)              # --merge needs only the shards' outputs
    return tmp, outs


def rows(path: pathlib.Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_shards_slice_the_class_by_name_and_merge(sharded):
    tmp, (one, two) = sharded
    # sorted by name (alice, bob, carol): shard 1 takes the 1st and 3rd, shard 2 the 2nd
    assert sorted(p.parent.name for p in one.glob("*/report.json")) == ["alice", "carol"]
    assert sorted(p.parent.name for p in two.glob("*/report.json")) == ["bob"]
    assert [r["submission"] for r in rows(one / "class.csv")] == ["alice", "carol"]
    assert [r["submission"] for r in rows(two / "class.csv")] == ["bob"]
    # every report and shard.json says what it was graded with, the same for all (grader/fingerprint.py)
    blocks = [json.loads(p.read_text())["grading"] for p in [*one.glob("*/report.json"), *two.glob("*/report.json"),
                                                              one / "shard.json", two / "shard.json"]]
    assert all(b == blocks[0] for b in blocks) and blocks[0]["spec_items"] == ["act.relu.values"], blocks
    assert blocks[0]["hypothesis"] == {"profile": "grading", "max_examples": 4}
    proc = grade_cmd("--merge", one, two, "--out", tmp / "merged", timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    merged = rows(tmp / "merged" / "class.csv")
    assert [(r["submission"], float(r["score"])) for r in merged] == [("alice", 100.0), ("bob", 0.0), ("carol", 100.0)]


def test_merge_refuses_what_would_make_a_wrong_class_csv(sharded, tmp_path):
    tmp, (one, two) = sharded

    def merge(*dirs):
        return grade_cmd("--merge", *dirs, "--out", tmp_path / "merged", timeout=120)

    one_line_refusal(merge(one), "shard 2 of 2 is missing")
    one_line_refusal(merge(one, two, one), "was graded in two shards")
    extra = tmp_path / "extra"
    shutil.copytree(two / "bob", extra / "bob")                 # bob again, in a plain ./grade output
    one_line_refusal(merge(one, two, extra), "submission 'bob' was graded in two shards")
    bogus = tmp_path / "bogus"
    (bogus / "eve").mkdir(parents=True)
    (bogus / "eve" / "report.json").write_text('{"hello": 1}')
    one_line_refusal(merge(one, two, bogus), "is not a grade report")
    (bogus / "eve" / "report.json").write_text("not json")
    one_line_refusal(merge(one, two, bogus), "is not a grade report")
    shutil.copyfile(one / "alice" / "report.json", bogus / "eve" / "report.json")
    one_line_refusal(merge(one, two, bogus), "it is the report of 'alice', not of 'eve'")
    partial = tmp_path / "partial"
    shutil.copytree(one, partial)
    (partial / "carol" / "report.json").unlink()                # the job died before grading carol
    one_line_refusal(merge(partial, two), "has no report of 1 submission(s) of its shard (carol)")
    one_line_refusal(merge(one, tmp_path / "nope"), "is not a folder")
    assert not (tmp_path / "merged").exists()


@pytest.mark.parametrize("shard, words", [
    ("0/3", "I must be between 1 and 3"),
    ("4/3", "I must be between 1 and 3"),
    ("x", "expected I/N"),
    ("1/0", "N must be at least 1"),
    ("3", "expected I/N"),
    ("-1/2", "expected I/N"),
])
def test_a_bad_shard_is_one_line(tmp_path, shard, words):
    proc = grade_cmd(f"--shard={shard}", REPO / "impl", "--out", tmp_path / "out", timeout=120)
    one_line_refusal(proc, f"--shard {shard}")
    assert words in proc.stderr
    assert not (tmp_path / "out").exists()


def test_shard_and_merge_usage_errors(tmp_path):
    one_line_refusal(grade_cmd("--shard", "1/2", "--merge", tmp_path, timeout=120), "cannot be used together")
    one_line_refusal(grade_cmd(REPO / "impl", "--merge", tmp_path, timeout=120), "--merge takes no submissions")
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    (subs / "alice.py").write_text(RELU_OK)
    (subs / "alice" / "__init__.py").write_text(RELU_OK)
    one_line_refusal(grade_cmd("--shard", "1/2", subs, "--out", tmp_path / "out", "--no-sandbox", timeout=120),
                     "name(s) given to two submissions, e.g. 'alice'")
    assert not (tmp_path / "out").exists()


def test_an_empty_shard_writes_an_empty_class_csv(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text(RELU_OK)
    proc = grade_cmd("--shard", "2/2", subs, "--out", tmp_path / "out", "--spec-items", "act.relu.values",
                     "--no-sandbox", timeout=120)   # nothing is graded, so no sandbox is needed
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert rows(tmp_path / "out" / "class.csv") == []
    assert json.loads((tmp_path / "out" / "shard.json").read_text())["submissions"] == []
