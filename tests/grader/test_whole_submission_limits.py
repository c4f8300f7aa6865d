"""A submission is capped as a whole: the memory of all its worker's processes together (a cgroup per worker),
not only each process's address space; the choice of cgroup v2, v1 or none, and what report.json says.

The detection tests run anywhere (a fake /sys tree); the others need root and a writable memory controller.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

from aifund import cgroups
from aifund.cgroup_detect import detect
from tests.meta.run_suite import REPO, clean_env

PLAN = cgroups.probe() if sys.platform.startswith("linux") else cgroups.Plan("none", reason="not Linux")
needs_cgroup = pytest.mark.skipif(PLAN.mechanism == "none" or os.geteuid() != 0,
                                  reason=f"needs root and a writable memory cgroup ({PLAN.reason or 'not root'})")

GOOD = '''
from tinygrad import Tensor
def sigmoid(z):
    return 1 / (1 + (-z).minimum(80).exp())
'''
# Eight children of 300 MiB each (2.4 GiB together; each far below the per-process address-space limit), all
# alive at once while the module is imported; without a whole-group cap the import simply finishes.
HOG = GOOD + '''
import subprocess, sys
_kids = [subprocess.Popen([sys.executable, "-c", "import time; b = b'x' * (300 << 20); time.sleep(4)"])
         for _ in range(8)]
for _k in _kids:
    _k.wait()
'''


# ---------------------------------------------------------------- the choice, on a fake /sys tree
def _tree(tmp_path, files: dict[str, str]) -> pathlib.Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_v1_memory_and_pids_are_found_under_the_kits_own_group(tmp_path):
    root = _tree(tmp_path, {"memory/job/7/cgroup.procs": "", "memory/job/7/memory.limit_in_bytes": "",
                            "pids/cgroup.procs": "", "unified/cgroup.controllers": "hugetlb\n"})
    mountinfo = (f"35 31 0:32 / {root}/memory rw - cgroup cgroup rw,memory\n"
                 f"39 31 0:36 / {root}/pids rw - cgroup cgroup rw,pids\n"
                 f"41 31 0:38 / {root}/unified rw - cgroup2 cgroup2 rw\n")
    plan = detect(mountinfo, "8:pids:/\n4:memory:/job/7\n0::/\n")
    assert plan.mechanism == "cgroup v1"
    assert plan.parents == {"memory": f"{root}/memory/job/7", "pids": f"{root}/pids"}


def test_v2_is_preferred_when_it_has_a_memory_controller(tmp_path):
    root = _tree(tmp_path, {"cg/grading/cgroup.controllers": "cpu memory pids\n", "cg/grading/cgroup.procs": "",
                            "v1mem/cgroup.procs": ""})
    mountinfo = (f"30 1 0:26 / {root}/cg rw - cgroup2 cgroup2 rw\n"
                 f"35 31 0:32 / {root}/v1mem rw - cgroup cgroup rw,memory\n")
    plan = detect(mountinfo, "0::/grading\n4:memory:/\n")
    assert plan.mechanism == "cgroup v2"
    assert plan.parents == {"memory": f"{root}/cg/grading", "pids": f"{root}/cg/grading"}


def test_none_when_no_memory_controller_is_there(tmp_path):
    root = _tree(tmp_path, {"unified/cgroup.controllers": "hugetlb\n", "pids/cgroup.procs": ""})
    mountinfo = (f"41 31 0:38 / {root}/unified rw - cgroup2 cgroup2 rw\n"
                 f"39 31 0:36 / {root}/pids rw - cgroup cgroup rw,pids\n")
    plan = detect(mountinfo, "8:pids:/\n0::/\n")
    assert plan.mechanism == "none" and "no memory controller" in plan.reason
    assert detect("22 1 0:21 / /proc rw - proc proc rw\n", "0::/\n").mechanism == "none"


# ---------------------------------------------------------------- a live group
@needs_cgroup
def test_an_oom_in_one_process_ends_the_whole_group_and_the_group_goes():
    group = cgroups.Group(PLAN, memory_mb=256, pids=32)
    child = subprocess.Popen([sys.executable, "-c", "import os, time\nfor _ in range(4):\n    if os.fork() == 0:\n"
                              "        b = b'x' * (120 << 20); time.sleep(60)\ntime.sleep(60)"],
                             preexec_fn=group.joining(None))
    try:
        assert child.wait(timeout=30) < 0, "the parent, under the limit itself, was not ended with its children"
        assert "256 MiB" in (group.breach() or "")
    finally:
        group.close()
    assert group.folders and not any(os.path.exists(f) for f in group.folders)


@needs_cgroup
def test_groups_of_a_kit_process_that_died_are_removed():
    parent = PLAN.parents["memory"]
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = pathlib.Path(parent) / f"{cgroups.PREFIX}{dead.stdout.strip()}-1-1"
    stale.mkdir()
    cgroups.remove_stale(parent)
    assert not stale.exists()


# ---------------------------------------------------------------- a grade
def _grade(tmp_path, env_extra=None) -> dict:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "hog.py").write_text(HOG)
    (subs / "plain.py").write_text(GOOD)
    config = tmp_path / "course.toml"
    config.write_text("[limits]\nmemory_mb = 1024\nitem_timeout = 30\nsubmission_timeout = 240\nmax_examples = 2\n")
    out = tmp_path / "out"
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", str(subs), "--out", str(out), "--config", str(config),
                           "--spec-items", "act.sigmoid.values", "--jobs", "1"], cwd=REPO, capture_output=True,
                          text=True, timeout=600, env=clean_env(**(env_extra or {})))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    reports = {n: json.loads((out / n / "report.json").read_text()) for n in ("hog", "plain")}
    reports["seconds"] = time.monotonic() - start
    reports["log"] = (out / "hog" / "grading.log").read_text()
    return reports


def _leftover_groups() -> list[str]:
    """Groups under this process's parents whose kit process has ended (a leak)."""
    found = []
    for parent in dict.fromkeys(PLAN.parents.values()):
        found += [n for n in os.listdir(parent) if n.startswith(cgroups.PREFIX) and not cgroups._owner_alive(n)]
    return found


@pytest.mark.grader
@pytest.mark.xdist_group("grader")
@needs_cgroup
def test_many_children_together_over_the_memory_limit_are_an_error_and_others_pass(tmp_path):
    reports = _grade(tmp_path)
    hog = {i["id"]: i for i in reports["hog"]["items"]}["act.sigmoid.values"]
    assert hog["status"] == "error", hog
    assert "memory limit" in hog["message"] and "1024 MiB" in hog["message"], hog["message"]
    plain = {i["id"]: i for i in reports["plain"]["items"]}["act.sigmoid.values"]
    assert plain["status"] == "pass", plain
    limits = reports["plain"]["limits"]
    assert limits["mechanism"] == PLAN.mechanism and limits["memory_mb"] == 1024 and limits["pids"] == 256
    assert "limits enforced: cgroup" in reports["log"]
    assert not _leftover_groups()


@pytest.mark.grader
@pytest.mark.xdist_group("grader")
@needs_cgroup
def test_without_a_cgroup_the_report_says_so_and_the_children_are_not_caught(tmp_path):
    """The documented fallback (AIFUND_CGROUPS=off, or a host that allows no group): only rlimits, and the report
    says so; the same hog then passes, which is what the cgroup prevents."""
    reports = _grade(tmp_path, {"AIFUND_CGROUPS": "off"})
    assert reports["hog"]["limits"]["mechanism"] == "rlimits only"
    assert "AIFUND_CGROUPS=off" in reports["hog"]["limits"]["why_no_cgroup"]
    hog = {i["id"]: i for i in reports["hog"]["items"]}["act.sigmoid.values"]
    assert hog["status"] == "pass", hog


# Three children of 300 MiB (0.9 GiB) at import: well under one worker's cap of 1536 MiB, but a grade of more than
# four items runs two test processes, each with its worker, and the two together hold 1.8 GiB and more.
HOG_PER_WORKER = GOOD + '''
import subprocess, sys
_kids = [subprocess.Popen([sys.executable, "-c", "import time; b = b'x' * (300 << 20); time.sleep(15)"])
         for _ in range(3)]
for _k in _kids:
    _k.wait()
'''


@pytest.mark.grader
@pytest.mark.xdist_group("grader")
@needs_cgroup
def test_the_cap_holds_for_the_whole_submission_however_many_workers_it_gets(tmp_path):
    """Each worker alone stays under memory_mb; the submission's two workers together do not. The grader's group
    for the submission (every worker's group inside it) ends them, and the grade says why."""
    (tmp_path / "hog2.py").write_text(HOG_PER_WORKER)
    config = tmp_path / "course.toml"
    config.write_text("[limits]\nmemory_mb = 1536\nitem_timeout = 60\nsubmission_timeout = 400\nmax_examples = 1\n")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", str(tmp_path / "hog2.py"), "--out", str(out),
                           "--config", str(config), "--spec-items", "act.sigmoid."], cwd=REPO, capture_output=True,
                          text=True, timeout=600, env=clean_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "hog2" / "report.json").read_text())
    assert isinstance(report["limits"], list) and len(report["limits"]) == 2, "two test processes, two workers"
    # Which tests ran while both workers held their children depends on timing; that some did, and were ended
    # by the submission's cap (each worker alone is under it: without the submission's group all pass), does not.
    ended = [i for i in report["items"] if i["status"] == "error" and "memory limit" in i["message"]]
    assert ended, {i["id"]: (i["status"], i["message"][:200]) for i in report["items"]}
    assert "memory limit" in report["problem"]
    assert not _leftover_groups()
