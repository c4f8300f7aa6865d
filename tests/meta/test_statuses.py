"""What a status means: a run cut short is never a partial pass, a name not written yet is 'not implemented'
(a to-do, not a crash), and the items that check only the guide give no credit to anyone."""
import json
import subprocess
import sys

import pytest

from aifund import verdict
from aifund.grader.config import CourseConfig
from aifund.grader.report import grade, junit_xml, selected
from aifund.grader.run import Outcome
from aifund.spec import load_items
from tests.meta.run_suite import REPO, clean_env, run_conformance

pytestmark = pytest.mark.meta
ITEMS = load_items()
GUIDE_CHECKS = sorted(i for i, item in ITEMS.items() if not item.checks_implementation)


def test_an_item_whose_tests_did_not_all_report_is_not_passed():
    first = ("pass", "", "t.py::test_a")
    status, message = verdict.item_status([first], expected=["t.py::test_a", "t.py::test_b"])
    assert status == "error" and "t.py::test_b" in message and "not passed" in message
    assert verdict.item_status([first, ("pass", "", "t.py::test_b")], expected=["t.py::test_a", "t.py::test_b"]) == ("pass", "")
    assert verdict.item_status([], expected=["t.py::test_a"])[0] == "error", "expected but silent is not 'not run'"


def test_not_implemented_ranks_below_findings_and_above_missing():
    todo = ("not implemented", "not written yet", "t::a")
    assert verdict.item_status([todo, ("pass", "", "t::b")])[0] == "not implemented"
    assert verdict.item_status([todo, ("fail", "wrong", "t::b")])[0] == "fail"
    assert verdict.item_status([todo, ("missing", "no name", "t::b")])[0] == "not implemented"
    assert verdict.exit_ok(["pass", "not implemented", "missing"], partial=True)
    assert not verdict.exit_ok(["pass", "not implemented"], partial=False)


def test_guide_checks_are_exactly_the_items_that_need_no_name():
    assert GUIDE_CHECKS == ["act.gelu.approximation", "backprop.autograd_example", "p1.xor.neuron_limit"]
    assert not set(GUIDE_CHECKS) & set(selected(None)), "a guide check is no part of a grade"


def test_a_grade_gives_no_credit_for_guide_checks():
    report = {"complete": True, "items": {i: {"status": "pass", "message": ""} for i in GUIDE_CHECKS}}
    report["items"]["act.relu.values"] = {"status": "not implemented", "message": "NotImplementedError: relu"}
    result = grade("starter", Outcome(report=report), CourseConfig(), only=GUIDE_CHECKS + ["act.relu.values"])
    assert result["score"] == 0 and [i["id"] for i in result["items"]] == ["act.relu.values"]
    xml = junit_xml(result).decode()
    assert 'failures="1"' in xml and 'skipped="0"' in xml, "a to-do item is a failure in CI dashboards, not a skip"


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    path = tmp_path_factory.mktemp("starter") / "starter.py"
    subprocess.run([sys.executable, "-m", "aifund.contract", "starter", "-o", str(path)], cwd=REPO, check=True,
                   env=clean_env())
    return path


def test_no_item_of_the_implementation_passes_on_the_starter(starter, tmp_path):
    """The whole suite on the unmodified starter (every name raises NotImplementedError): nothing but the
    guide's own checks passes, every other item is 'not implemented' (not error), and --partial exits 0."""
    report, proc = run_conformance(starter, tmp_path, extra=["--partial"], timeout=900)
    passed = sorted(i for i, v in report["items"].items() if v["status"] == "pass")
    assert passed == GUIDE_CHECKS, f"items pass on a module that implements nothing: {set(passed) - set(GUIDE_CHECKS)}"
    items = load_items()
    foreign = {i: v["status"] for i, v in report["items"].items() if not items[i].applies_to("tinygrad")}
    assert set(foreign.values()) == {"not applicable"}, foreign          # optim.adam.matches_torch: torch's item
    others = {i: v["status"] for i, v in report["items"].items() if i not in GUIDE_CHECKS and i not in foreign}
    assert set(others.values()) == {"not implemented"}, {i: s for i, s in others.items() if s != "not implemented"}
    assert all(report["items"][i]["checks"] == "guide" for i in GUIDE_CHECKS)
    assert report["complete"] is True
    assert proc.returncode == 0, "--partial forgives names not written yet:\n" + proc.stdout[-2000:]
    assert "Traceback" not in proc.stdout and "aifund/remote" not in proc.stdout, "a to-do shows no kit traceback"
    assert f"{len(others)} not implemented" in proc.stdout


def test_without_partial_the_starter_fails_the_run(starter, tmp_path):
    report, proc = run_conformance(starter, tmp_path, items=["act.relu."])
    assert {v["status"] for i, v in report["items"].items() if i.startswith("act.relu.")} == {"not implemented"}
    assert proc.returncode == 1 and "not implemented yet" in proc.stdout


def test_a_report_cut_short_says_so_and_passes_nothing_unfinished(tmp_path):
    """The trusted process killed in the middle of an item's tests (here: by its own per-test alarm after an
    interrupt, as a grade's time limit would): the report on disk is marked incomplete, and the item whose
    later test never reported is not passed."""
    out = tmp_path / "report.json"
    code = f"""
import json, os, signal, subprocess, sys, time
cmd = [sys.executable, "-m", "pytest", "tests/conformance", "-q", "-p", "no:cacheprovider", "--impl=impl",
       "--conformance-json={out}", "--hypothesis-profile=mutants", "--spec-items=act.softmax.", "-x"]
proc = subprocess.Popen(cmd, cwd={str(REPO)!r})
deadline = time.monotonic() + 300
while time.monotonic() < deadline and proc.poll() is None:
    time.sleep(0.2)
    try:
        data = json.load(open({str(out)!r}))
    except (OSError, ValueError):
        continue
    if any(v["status"] == "pass" for v in data["items"].values()):
        os.kill(proc.pid, signal.SIGKILL)
        break
proc.wait()
"""
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=clean_env(), timeout=400, check=True)
    data = json.loads(out.read_text())
    assert data["complete"] is False, "a report the run never finished must say so"
    softmax = {i: v for i, v in data["items"].items() if i.startswith("act.softmax.")}
    assert any(v["status"] == "pass" for v in softmax.values())
    assert any(v["status"] == "error" and "no result" in v["message"] for v in softmax.values()), \
        "the items whose tests had not reported yet are not passed"


# ------------------------------------------------------------------ not applicable
ONE_FRAMEWORK = {"optim.adam.matches_tinygrad": "tinygrad", "optim.adam.matches_torch": "torch"}


def test_items_of_one_framework_say_which():
    assert {i: item.frameworks for i, item in ITEMS.items() if item.frameworks} == \
        {i: (f,) for i, f in ONE_FRAMEWORK.items()}
    for i, framework in ONE_FRAMEWORK.items():
        other = "torch" if framework == "tinygrad" else "tinygrad"
        assert ITEMS[i].applies_to(framework) and not ITEMS[i].applies_to(other)


def test_not_applicable_is_its_own_word_never_a_pass_or_a_fail():
    assert "not applicable" in verdict.STATUSES
    na = ("not applicable", "an item of tinygrad implementations", "t::a")
    assert verdict.item_status([na]) == ("not applicable", "an item of tinygrad implementations")
    assert verdict.exit_ok(["pass", "not applicable"]) and verdict.exit_ok(["not applicable"], partial=False)


def test_a_torch_course_grades_the_tinygrad_item_not_applicable_and_worth_nothing():
    """The course's framework decides, whatever the report says: a report claiming a pass earns nothing."""
    report = {"complete": True, "items": {i: {"status": "pass", "message": ""} for i in ONE_FRAMEWORK}}
    for framework, earning in (("torch", "optim.adam.matches_torch"), ("tinygrad", "optim.adam.matches_tinygrad")):
        result = grade("s", Outcome(report=report), CourseConfig(framework=framework), only=list(ONE_FRAMEWORK))
        by_id = {i["id"]: i for i in result["items"]}
        other = next(i for i in ONE_FRAMEWORK if i != earning)
        assert by_id[other]["status"] == "not applicable" and by_id[other]["weight"] == 0
        assert by_id[earning]["status"] == "pass" and result["score"] == result["max_score"]
        assert result["summary"]["not applicable"] == 1
        xml = junit_xml(result).decode()
        assert 'skipped="1"' in xml and 'failures="0"' in xml, "not applicable is a skip in CI dashboards"


def test_a_run_reports_the_other_framework_item_not_applicable(tmp_path):
    """Through the plugin: the item never runs (no worker is started for it), the report and table say so."""
    report, proc = run_conformance("impl", tmp_path, items=list(ONE_FRAMEWORK) + ["act.relu.values"],
                                   extra=("--framework=torch",))
    statuses = {i: report["items"][i]["status"] for i in list(ONE_FRAMEWORK) + ["act.relu.values"]}
    assert statuses == {"optim.adam.matches_tinygrad": "not applicable", "optim.adam.matches_torch": "pass",
                        "act.relu.values": "pass"}, proc.stdout[-3000:]
    assert report["framework"] == "torch" and report["summary"]["not applicable"] == 1
    assert "not applicable" in proc.stdout and proc.returncode == 0, proc.stdout[-3000:]


def test_a_course_config_names_its_framework(tmp_path):
    from aifund.grader.config import ConfigError, load_config
    path = tmp_path / "course.toml"
    path.write_text('framework = "torch"\n')
    assert load_config(path).framework == "torch" and load_config(None).framework == "tinygrad"
    path.write_text('framework = "jax"\n')
    with pytest.raises(ConfigError, match="framework"):
        load_config(path)
