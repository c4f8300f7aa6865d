"""A PyTorch course graded end to end: one ./grade run (as shard 1/1) over the PyTorch reference, a PyTorch
mutant and a submission that uses a library shortcut the course forbids, with a course config that says
framework = "torch"; its outputs are shared by every test here, and merged alone afterwards (no grading).
Kept to a few items: the grade starts torch once per submission."""
from __future__ import annotations

import csv
import json
import shutil

import pytest

from tests.grader.test_bundle_and_shards import grade_cmd
from tests.meta.run_suite import REPO

pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(900)]

ITEMS = "act.sigmoid.values,act.relu.values,linear.forward,optim.adam.matches_torch,optim.adam.matches_tinygrad"
COURSE = 'framework = "torch"\n[shortcuts]\nallowed = ["linear"]\n'


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed: ./grade refuses to grade untrusted code without it")
    tmp = tmp_path_factory.mktemp("torch-course")
    subs = tmp / "submissions"
    shutil.copytree(REPO / "impl_torch", subs / "reference", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "tests" / "mutants_torch" / "sigmoid_sign.py", subs / "sigmoid_sign.py")
    shutil.copyfile(REPO / "tests" / "meta" / "fixtures" / "torch_shortcuts.py", subs / "shortcut_user.py")
    (tmp / "course.toml").write_text(COURSE)
    # the mutant and the fixture are the reference with one change: they import it (--reference-visible)
    proc = grade_cmd(subs, "--config", tmp / "course.toml", "--spec-items", ITEMS, "--reference-visible",
                     "--shard", "1/1", "--out", tmp / "out", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    reports = {p.parent.name: json.loads(p.read_text()) for p in (tmp / "out").glob("*/report.json")}
    return tmp, reports, proc.stdout


def statuses(report: dict) -> dict:
    return {i["id"]: i["status"] for i in report["items"]}


def test_the_reference_scores_full_marks_with_no_shortcut(graded):
    _, reports, _ = graded
    ref = reports["reference"]
    assert statuses(ref) == {"act.sigmoid.values": "pass", "act.relu.values": "pass", "linear.forward": "pass",
                             "optim.adam.matches_torch": "pass", "optim.adam.matches_tinygrad": "not applicable"}
    assert ref["score"] == ref["max_score"] == 100
    assert ref["shortcuts"] == {"policy": "forbidden except linear", "watched": True, "used": []}
    assert "## Library shortcuts" not in (graded[0] / "out" / "reference" / "feedback.md").read_text()


def test_a_torch_mutant_fails_the_item_it_breaks(graded):
    _, reports, _ = graded
    assert statuses(reports["sigmoid_sign"])["act.sigmoid.values"] == "fail"
    assert statuses(reports["sigmoid_sign"])["act.relu.values"] == "pass"


def test_a_forbidden_shortcut_fails_its_item_and_is_named_in_every_output(graded):
    tmp, reports, stdout = graded
    user = reports["shortcut_user"]
    sigmoid = next(i for i in user["items"] if i["id"] == "act.sigmoid.values")
    assert sigmoid["status"] == "fail" and "torch.sigmoid" in sigmoid["message"]
    assert sigmoid["shortcuts"] == {"sigmoid": ["torch.sigmoid"]} and user["shortcuts"]["used"] == ["sigmoid"]
    assert statuses(user)["act.relu.values"] == "pass"
    feedback = (tmp / "out" / "shortcut_user" / "feedback.md").read_text()
    assert "## Library shortcuts (this course: forbidden except linear)" in feedback
    assert "`act.sigmoid.values`: sigmoid (`torch.sigmoid`)" in feedback
    assert "shortcut_user: " in stdout and "library shortcuts: sigmoid" in stdout


def test_the_grade_says_its_framework_and_its_shard_merges(graded):
    tmp, reports, _ = graded
    blocks = [r["grading"] for r in reports.values()] + [json.loads((tmp / "out" / "shard.json").read_text())["grading"]]
    assert all(b == blocks[0] for b in blocks)
    assert blocks[0]["config"]["framework"] == "torch"
    assert blocks[0]["config"]["shortcuts"] == {"forbid": True, "allowed": ["linear"]}
    proc = grade_cmd("--merge", tmp / "out", "--out", tmp / "merged", timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(tmp / "merged" / "class.csv", newline="") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"reference", "sigmoid_sign", "shortcut_user"} and rows["reference"]["not_applicable"] == "1"
