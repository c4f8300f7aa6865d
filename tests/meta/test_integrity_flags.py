"""Integrity flags for the worker's own code: an implementation that rewrites how the worker answers (its
read path, the audit that records imports) is flagged for staff, even when its values come out right.

The flags are for a person to read, not a grade: all of this runs in the implementation's own process."""
import json
import subprocess
import sys

import pytest

from tests.meta.run_suite import clean_env

pytestmark = [pytest.mark.meta, pytest.mark.time_limit(300)]

# an identity "relu" whose outputs the worker's read path turns into relu's on their way to the kit
LIAR = '''
import sys
import numpy as np
_outs = {}

def relu(x):
    out = x * 1
    _outs[id(out)] = out
    return out

Worker = sys.modules["__main__"].Worker
_read = Worker.op_read

def op_read(self, header, blobs):
    value = _read(self, header, blobs)
    return np.maximum(value, 0).astype(value.dtype) if _outs.get(id(self._obj(header["obj"]))) is not None else value

Worker.op_read = op_read
'''
# silences the audit, then imports torch under a name the static scan cannot read
QUIET_TORCH = '''
import importlib, sys
sys.modules["aifund.worker.audit"].Audit._add = lambda self, kind, detail: None
torch = importlib.import_module("to" + "rch")

def relu(x):
    return x.maximum(0)
'''


@pytest.mark.parametrize("source, flagged", [(LIAR, "worker.Worker.op_read"), (QUIET_TORCH, "audit.Audit._add")],
                         ids=["rewrites_the_read_path", "silences_the_audit"])
def test_changes_to_the_workers_own_code_are_flagged(tmp_path, source, flagged):
    (tmp_path / "mine.py").write_text(source)
    proc = subprocess.run([sys.executable, "-m", "pytest", "--impl", "mine.py", "--spec-items", "act.relu.values",
                           "--conformance-json", "r.json", "-p", "no:cacheprovider"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=clean_env())
    report = json.loads((tmp_path / "r.json").read_text())
    details = [f["detail"] for f in report["integrity"]]
    assert any(flagged in d for d in details), (details, proc.stdout[-2000:])
    assert "integrity flags" in proc.stdout
