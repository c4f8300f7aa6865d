"""./grade --no-sandbox run by root (the Gradescope fallback when a container forbids namespaces): the
submission's worker still runs as an unprivileged user of its own, cannot write the kit's files, and no
process of that user outlives the grade."""
import json
import os
import pathlib
import re
import subprocess
import sys
import time

import pytest

import aifund
from aifund.sandbox import _unreachable_by_others

BLOCKED = _unreachable_by_others()
pytestmark = [pytest.mark.grader, pytest.mark.xdist_group("grader"),
              pytest.mark.skipif(os.geteuid() != 0, reason="the user switch happens only when the grader runs as root"),
              pytest.mark.skipif(bool(BLOCKED), reason=f"the interpreter or the kit is under {BLOCKED}, which another "
                                 "user cannot enter, so here the unsandboxed worker runs as root (the report says so)")]

# relu is right only when the worker is not root and could not write into the kit; it also leaves a daemon
SUBMISSION = '''
import os, time
KIT_FILE = {kit_file!r}
NOT_ROOT = os.getuid() != 0 and os.geteuid() != 0
try:
    open(KIT_FILE, "a").close()
    WROTE_KIT = True
except OSError:
    WROTE_KIT = False
if os.fork() == 0:          # a daemon of its own session, which a process-group kill does not reach
    os.setsid()
    if os.fork() == 0:
        time.sleep(600)
    os._exit(0)

def relu(x):
    if NOT_ROOT and not WROTE_KIT:
        return x.maximum(0)
    return x
'''


def test_without_the_sandbox_root_still_drops_to_a_user_of_its_own(tmp_path):
    kit_file = pathlib.Path(aifund.__file__)
    before = kit_file.stat().st_mtime_ns
    sub = tmp_path / "daemon_sub.py"
    sub.write_text(SUBMISSION.format(kit_file=str(kit_file)))
    proc = subprocess.run([sys.executable, "-m", "aifund.grader", str(sub), "--out", str(tmp_path / "out"),
                           "--no-sandbox", "--spec-items", "act.relu.values", "--jobs", "1"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "daemon_sub" / "report.json").read_text())
    item = next(i for i in report["items"] if i["id"] == "act.relu.values")
    assert item["status"] == "pass", f"the worker ran as root or wrote into the kit: {item}"
    assert kit_file.stat().st_mtime_ns == before
    sandbox = report.get("sandbox", "")
    found = re.search(r"as uid (\d+)", sandbox)
    assert sandbox.startswith("none") and found, sandbox
    uid = int(found.group(1))
    time.sleep(0.5)
    left = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = pathlib.Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
        if str(uid) in uids:
            left.append(entry)
    assert not left, f"processes of uid {uid} outlived the grade: {left}"
