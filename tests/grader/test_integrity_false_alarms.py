"""Integrity flags through ./grade: an honest submission (an unmodified copy of the reference, as a package
of any name, or an independently written one) raises none; a copy of the reference that replaces seeding
functions or numpy.random's functions after import is flagged for exactly that.

The kit seeds tinygrad itself (p6.weights) and loads numpy.random (aug.): these
items are in the selection so that the kit's own writes and numpy's lazy submodules are exercised."""
import json
import shutil
import subprocess
import sys

import pytest

from tests.meta.run_suite import REPO, clean_env

pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(600)]

ITEMS = "act.sigmoid.values,reg.dropout.statistics,aug.gaussian_noise,p6.weights.round_trip"
HONEST = ["submission", "impl", "independent"]
# lines appended to a reference copy's __init__.py, each with the flag it must raise
REPLACES = [
    ("import numpy\nnumpy.random.seed = lambda *a, **k: None", "numpy.random.seed was changed"),
    ("numpy.random.rand = lambda *shape: numpy.zeros(shape)", "numpy.random.rand was changed"),
    ("from tinygrad import Tensor\nTensor._seed = 0", "tinygrad.Tensor._seed was changed"),   # before the kit seeds
    ("Tensor.manual_seed = staticmethod(lambda seed=0: None)", "tinygrad.Tensor.manual_seed was changed"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every submission above graded in one ./grade run; their report.json by name."""
    root = tmp_path_factory.mktemp("integrity")
    subs = root / "subs"
    subs.mkdir()
    shutil.copytree(REPO / "impl", subs / "submission", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "impl", subs / "impl", ignore=shutil.ignore_patterns("__pycache__"))  # the kit's own name
    shutil.copy(REPO / "tests" / "meta" / "fixtures" / "independent.py", subs / "independent.py")
    shutil.copytree(REPO / "impl", subs / "replaces", ignore=shutil.ignore_patterns("__pycache__"))
    with open(subs / "replaces" / "__init__.py", "a") as f:
        f.write("".join(f"\n{line}\n" for line, _ in REPLACES))
    out = root / "out"
    proc = subprocess.run([str(REPO / "grade"), str(subs), "--out", str(out), "--spec-items", ITEMS], cwd=root,
                          capture_output=True, text=True, timeout=580, env=clean_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/report.json")}


@pytest.mark.parametrize("name", HONEST)
def test_an_honest_submission_raises_no_flag(graded, name):
    report = graded[name]
    passed = {i["id"] for i in report["items"] if i["status"] == "pass"}
    expected = set(ITEMS.split(",")) - ({"p6.weights.round_trip"} if name == "independent" else set())
    assert expected <= passed, [(i["id"], i["status"], i["message"][:300]) for i in report["items"]]
    assert report["integrity"] == [], report["integrity"]


def test_a_replacement_after_import_is_flagged(graded):
    """Each replacement is flagged, and nothing else: the kit's seeding is still not the submission's doing
    (it seeds through tinygrad's own manual_seed, not the replaced one, after the submission set _seed)."""
    details = [f["detail"] for f in graded["replaces"]["integrity"]]
    for _, flag in REPLACES:
        assert any(flag in d for d in details), (flag, details)
    assert [d for d in details if not any(flag in d for _, flag in REPLACES)] == [], details
