"""The plugin's promises: missing names, import failures, hostile return values, the report."""
import os
import pathlib
import subprocess
import sys

import pytest

from aifund.spec import load_items
from tests.meta.run_suite import REPO, run_conformance

pytestmark = pytest.mark.meta
FIXTURES = pathlib.Path(__file__).parent / "fixtures"
ITEMS = load_items()
SIGMOID_AND_TANH = ["act.sigmoid.values", "act.sigmoid.symmetry", "act.tanh.values", "act.tanh.odd"]


def test_missing_names_are_missing_and_the_rest_runs(tmp_path):
    report, proc = run_conformance(FIXTURES / "partial.py", tmp_path, items=SIGMOID_AND_TANH + ["act.gelu.approximation"])
    items = report["items"]
    assert items["act.sigmoid.values"]["status"] == "pass"
    assert items["act.sigmoid.symmetry"]["status"] == "pass"
    assert items["act.gelu.approximation"]["status"] == "pass"   # needs no name at all
    for i in ("act.tanh.values", "act.tanh.odd"):
        assert items[i]["status"] == "missing"
        assert "tanh" in items[i]["message"]
    assert report["summary"]["missing"] == 2 and report["summary"]["pass"] == 3
    assert proc.returncode == 1, "a missing item fails the run unless --partial says the gaps are on purpose"
    assert "act.tanh.values" in proc.stdout and "missing" in proc.stdout and "--partial" in proc.stdout
    _, partial = run_conformance(FIXTURES / "partial.py", tmp_path, items=SIGMOID_AND_TANH, extra=["--partial"])
    assert partial.returncode == 0, partial.stdout[-2000:]


@pytest.mark.parametrize("fixture, words", [
    ("raises_at_import.py", "RuntimeError: student forgot to finish the module"),
    ("syntax_error.py", "SyntaxError"),
    ("exits_at_import.py", "sys.exit(0)"),
    ("loops_at_import.py", "did not finish within 3 s"),
])
def test_import_failure_makes_every_item_error_once(fixture, words, tmp_path):
    report, proc = run_conformance(FIXTURES / fixture, tmp_path, items=SIGMOID_AND_TANH,
                                   extra=["--impl-import-timeout=3"])
    statuses = {report["items"][i]["status"] for i in SIGMOID_AND_TANH}
    assert statuses == {"error"}
    assert all(words in report["items"][i]["message"] for i in SIGMOID_AND_TANH)
    assert proc.returncode == 1
    # The message is shown once in the conformance summary, not once per item.
    summary = proc.stdout.split("conformance by spec item")[-1].split("\nconformance: ")[0]
    assert summary.count(words) == 1, summary
    assert "Traceback" not in proc.stdout, "an import failure should not print a traceback per test"
    # and once in pytest's own ERRORS section and once in its short summary (the first test, with a count of
    # the rest): three times in all with the kit's table, whatever the number of tests
    assert proc.stdout.count(words) <= 3 and "more tests, listed once here" in proc.stdout, proc.stdout[-3000:]
    assert proc.stdout.split("short test summary info")[-1].count("\nERROR ") == 1, proc.stdout[-2000:]


def test_hostile_return_values_are_reported_and_the_run_goes_on(tmp_path):
    items = ["act.sigmoid.values", "act.tanh.values", "act.relu.values", "act.gelu.values",
             "act.softmax.values", "act.leaky_relu.values"]
    report, proc = run_conformance(FIXTURES / "misbehaving.py", tmp_path, items=items, extra=["--item-timeout=5"])
    got = report["items"]
    assert got["act.sigmoid.values"]["status"] == "timeout" and "timed out" in got["act.sigmoid.values"]["message"]
    assert got["act.tanh.values"]["status"] == "fail" and "returned shape" in got["act.tanh.values"]["message"]
    assert got["act.relu.values"]["status"] == "fail" and "got NaN" in got["act.relu.values"]["message"]
    assert got["act.gelu.values"]["status"] == "fail" and "expected a tinygrad Tensor" in got["act.gelu.values"]["message"]
    assert got["act.softmax.values"]["status"] == "fail" and "dtype" in got["act.softmax.values"]["message"]
    assert got["act.leaky_relu.values"]["status"] == "pass"


def test_failure_message_is_actionable_and_its_snippet_runs(tmp_path):
    mutant = REPO / "tests" / "mutants" / "sigmoid_sign.py"
    report, _ = run_conformance(mutant, tmp_path, items=["act.sigmoid.values"])
    message = report["items"]["act.sigmoid.values"]["message"]
    for part in ("[act.sigmoid.values]", "guide section 5", "expected", "got", "abs error", "rel error",
                 "allowed abs error", "input z: float32 shape", "reproduce:"):
        assert part in message, f"{part!r} missing from:\n{message}"
    run_snippet(message, mutant)


def run_snippet(message: str, mutant: pathlib.Path) -> str:
    """Runs a failure message's reproduction as a student would: from the folder holding the module
    (a mutant also needs the kit's impl/); it must run and print an array. Returns the code."""
    snippet = message.split("reproduce:\n", 1)[1]
    code = "\n".join(line[4:] for line in snippet.splitlines() if line.startswith("    "))
    run = subprocess.run([sys.executable, "-c", code], cwd=mutant.parent, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().startswith("["), run.stdout
    return code


def test_json_report_shape(tmp_path):
    report, _ = run_conformance("impl", tmp_path, items=["param_count."])
    assert {"impl", "items", "summary", "sandbox", "integrity"} <= set(report)
    assert set(report["items"]) == set(ITEMS), "every spec item is listed, run or not"
    entry = report["items"]["param_count.formula"]
    assert entry["status"] == "pass" and entry["section"] == "6" and "message" in entry
    assert report["items"]["act.sigmoid.values"]["status"] == "skipped"
    s = report["summary"]
    assert s["total"] == len(ITEMS) and sum(s[k] for k in ("pass", "fail", "error", "missing", "skipped")) == s["total"]


def test_package_directory_with_relative_imports(tmp_path):
    report, proc = run_conformance(FIXTURES / "package_impl", tmp_path, items=["act.sigmoid.symmetry"])
    assert report["items"]["act.sigmoid.symmetry"]["status"] == "pass", proc.stdout[-2000:]



def test_gradient_failure_reproduces_the_backward_pass(tmp_path):
    """A gradient item's snippet runs the backward pass with the upstream gradient c it shows."""
    mutant = REPO / "tests" / "mutants" / "softmax_detached_sum.py"
    report, _ = run_conformance(mutant, tmp_path, items=["act.softmax.gradient"])
    entry = report["items"]["act.softmax.gradient"]
    assert entry["status"] == "fail", entry
    message = entry["message"]
    assert "upstream gradient c" in message and "input c:" in message, message
    code = run_snippet(message, mutant)
    assert ".backward()" in code and ".grad.numpy()" in code, code


def test_report_says_which_sandbox(tmp_path):
    report, proc = run_conformance("impl", tmp_path, items=["act.relu.values"])
    from aifund import sandbox
    reason = sandbox.probe()
    if reason is None:
        assert report["sandbox"].startswith("bubblewrap"), report["sandbox"]
    else:
        assert report["sandbox"] == f"none: {reason}"
    assert "implementation's process: sandbox" in proc.stdout


@pytest.mark.parametrize("args, words", [
    (["--impl=does_not_exist.py"], "--impl does_not_exist.py: no such file or directory"),
    (["--impl=tests/meta/fixtures"], "a folder without __init__.py is not a Python package"),
    (["--impl=README.md"], "neither a .py file nor a package folder"),
    (["--spec-items=act.sigmod.values"], "'act.sigmod.values' is not a spec item id (closest: act.sigmoid.values"),
    (["--spec-items=act.sigmod."], "'act.sigmod.' is not a spec item id or prefix (closest: act.sigmoid."),
])
def test_bad_input_is_one_line_before_any_work(args, words):
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/conformance", "-q", "-p", "no:cacheprovider", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stdout[-1000:] + proc.stderr[-1000:]
    assert words in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_an_empty_module_fails_the_run(tmp_path):
    empty = tmp_path / "empty.py"
    empty.write_text("")
    report, proc = run_conformance(empty, tmp_path, items=["act."])
    assert {v["status"] for k, v in report["items"].items() if k.startswith("act.") and k != "act.gelu.approximation"} == {"missing"}
    assert proc.returncode == 1
