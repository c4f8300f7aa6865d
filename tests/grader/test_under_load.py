"""Verdicts do not depend on how busy the machine is: submissions graded while every core is kept busy by
other processes get the status of every item that a quiet machine gives them (a slow answer is never a wrong
one, and the limits leave room for a loaded machine). The quiet statuses are the corpus's declarations: the
reference passes every item, and each mutant fails exactly the selected items its CAUGHT_BY names (graded on
an idle machine, these submissions give exactly that; the mutant corpus checks the CAUGHT_BY items on every
run). Declared rather than graded a second time: the quiet grade had doubled the test's time."""
import contextlib
import json
import os
import subprocess
import sys

import pytest

from aifund.spec import load_items, matches
from tests.meta.run_suite import REPO, clean_env
from tests.meta.test_mutants import declared

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


def quiet_statuses() -> dict:
    """What each submission gets on an idle machine: every selected item, pass or (a mutant's CAUGHT_BY) fail."""
    selected = [i for i, item in load_items().items()
                if item.applies_to("tinygrad") and any(matches(i, w) for w in ITEMS.split(","))]
    wrong = {s.name.removesuffix(".py"): set(declared(s)["CAUGHT_BY"]) for s in SUBMISSIONS if s.suffix == ".py"}
    return {s.name.removesuffix(".py"): {i: "fail" if i in wrong.get(s.name.removesuffix(".py"), ()) else "pass"
                                         for i in selected} for s in SUBMISSIONS}


def test_the_same_statuses_on_a_quiet_and_a_loaded_machine(tmp_path):
    quiet = quiet_statuses()
    assert "fail" in quiet["softmax_no_shift"].values() and "fail" in quiet["adam_no_bias_correction"].values()
    with busy_cores(os.cpu_count() or 2):
        loaded = grade(tmp_path / "loaded")
    ran = {name: {i: s for i, s in items.items() if s != "not run"} for name, items in loaded.items()}
    assert ran == quiet
