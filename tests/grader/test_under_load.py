"""Verdicts do not depend on how busy the machine is: the same submissions graded on a quiet machine and while
both cores are kept busy by other processes get the same status for every item (a slow answer is never a
wrong one, and the limits leave room for a loaded machine)."""
import contextlib
import json
import os
import subprocess
import sys

import pytest

from tests.meta.run_suite import REPO, clean_env

pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(900)]
SUBMISSIONS = [REPO / "impl", REPO / "tests" / "mutants" / "softmax_no_shift.py",
               REPO / "tests" / "mutants" / "adam_no_bias_correction.py"]
ITEMS = "act.softmax.,optim.adam.trajectory,linear.forward"


@contextlib.contextmanager
def busy_cores(n: int):
    """n processes that spin on a core each until the block ends."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in spinners:
            p.kill()
            p.wait()


def statuses(out) -> dict:
    return {s.name.removesuffix(".py"): {i["id"]: i["status"] for i in
                                         json.loads((out / s.name.removesuffix(".py") / "report.json").read_text())["items"]}
            for s in SUBMISSIONS}


def grade(out):
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", *map(str, SUBMISSIONS), "--out", str(out),
                           "--reference-visible", "--spec-items", ITEMS], cwd=REPO, capture_output=True, text=True,
                          timeout=800, env=clean_env())
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return statuses(out)


def test_the_same_statuses_on_a_quiet_and_a_loaded_machine(tmp_path):
    quiet = grade(tmp_path / "quiet")
    with busy_cores(os.cpu_count() or 2):
        loaded = grade(tmp_path / "loaded")
    assert loaded == quiet
    assert all(s == "pass" for s in quiet["impl"].values()), quiet["impl"]
    assert "fail" in quiet["softmax_no_shift"].values() and "fail" in quiet["adam_no_bias_correction"].values()
