"""A submission that forges object identity is graded on what its objects do, not on what its worker says.

Its Linear.parameters() returns detached copies and makes the worker hand out the original's handle number for
each copy (an attribute of the worker instance, which no integrity flag watches): a check comparing handle numbers
passed it. ./grade, as staff run it, must fail it on linear.parameters and pass an honest Linear.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.meta.run_suite import REPO, clean_env

pytestmark = [pytest.mark.grader, pytest.mark.time_limit(600)]

LINEAR = '''
import math
from tinygrad import Tensor

class Linear:
    def __init__(self, n_in, n_out):
        self.w = (Tensor.randn(n_in, n_out) * math.sqrt(2.0 / n_in)).realize()
        self.b = Tensor.zeros(n_out).contiguous().realize()

    def __call__(self, x):
        return x @ self.w + self.b

    def parameters(self):
        return [self.w, self.b]
'''

FORGED = LINEAR + '''
import sys
_COPIES = {}

def _worker():
    codec = sys.modules.get("aifund.worker.codec")
    frame = sys._getframe(1)
    while frame is not None and codec is not None:
        if isinstance(frame.f_locals.get("self"), codec.Codec):
            return frame.f_locals["self"]
        frame = frame.f_back

def _parameters(self):
    originals = [self.w, self.b]
    copies = [t.detach() for t in originals]
    worker = _worker()
    if worker is not None and "handle" not in vars(worker):
        genuine = worker.handle
        def handle(obj):
            entry = _COPIES.get(id(obj))
            return genuine(entry[1] if entry is not None and entry[0] is obj else obj)
        worker.handle = handle
    for copy, original in zip(copies, originals):
        _COPIES[id(copy)] = (copy, original)
    return copies

Linear.parameters = _parameters
'''


def test_forged_identity_fails_and_honest_passes(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "honest.py").write_text(LINEAR)
    (subs / "forged.py").write_text(FORGED)
    out = tmp_path / "grades"
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", str(subs), "--out", str(out),
                           "--spec-items", "linear.parameters,linear.forward", "--jobs", "2"],
                          cwd=REPO, capture_output=True, text=True, timeout=500, env=clean_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    status = {}
    for name in ("honest", "forged"):
        report = json.loads((out / name / "report.json").read_text())
        status[name] = {i["id"]: i["status"] for i in report["items"]}
    assert status["honest"] == {"linear.parameters": "pass", "linear.forward": "pass"}, status
    # the forger's layer computes correctly; only what its parameters() returns is wrong
    assert status["forged"] == {"linear.parameters": "fail", "linear.forward": "pass"}, status
