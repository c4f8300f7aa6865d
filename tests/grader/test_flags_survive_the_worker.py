"""Integrity flags cannot be erased by ending the worker: what it recorded is read after every test and kept
in the trusted process, and a worker that ends before its last report is itself noted."""
import json
import subprocess
import sys

import pytest

from tests.meta.run_suite import REPO, clean_env

pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"), pytest.mark.time_limit(600)]

# torch through a name the static scan cannot read, used in the first test; the worker ends itself in the last
LAST_GASP = '''
import os
from tinygrad import Tensor
def sigmoid(z):
    t = __import__("to" + "rch")
    return Tensor(t.sigmoid(t.from_numpy(z.numpy())).numpy())
def relu(z):
    os._exit(0)
'''


def test_a_worker_that_ends_itself_keeps_its_flags(tmp_path):
    (tmp_path / "last_gasp.py").write_text(LAST_GASP)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", str(tmp_path / "last_gasp.py"), "--out", str(out),
                           "--spec-items", "act.sigmoid.values,act.relu.values"], cwd=REPO, capture_output=True,
                          text=True, timeout=500, env=clean_env())
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads((out / "last_gasp" / "report.json").read_text())
    details = [f"{f['kind']}: {f['detail']}" for f in report["integrity"]]
    assert any("torch" in d and "source" not in d for d in details), details      # the run-time record survived
    assert any("computed at run time" in d for d in details), details             # the static scan saw the trick
    assert any("ended before its last audit report" in d for d in details), details
