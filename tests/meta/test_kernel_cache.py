"""The kernel caches of the learner's path: a module under test cannot change what another one computes.

A worker writes compiled code into its kernel cache, so a cache one module wrote is never read by another:
the machine's shared cache is written by the reference only, and read-only for every other module, which
writes a cache of its own (aifund/kit/worker_session.py, kernel_caches)."""
import json
import pathlib
import subprocess
import sys

import pytest

from aifund import sandbox
from tests.meta.run_suite import clean_env

pytestmark = [pytest.mark.meta, pytest.mark.time_limit(300),
              pytest.mark.skipif(sandbox.probe() is not None,
                                 reason=f"needs the bubblewrap sandbox (without it a worker runs as the user that "
                                        f"owns every cache): {sandbox.probe()}")]

POISONER = '''
import glob, os
shared = os.environ.get("AIFUND_SHARED_CACHE", "")
changed_shared = []
for path in glob.glob(shared + "/*"):
    try:
        with open(path, "r+b") as f:
            f.write(b"poison" * 100)
        changed_shared.append(path)
    except OSError:
        pass

def relu(x):
    return x if changed_shared else x.maximum(0)
'''
GOOD = "def relu(x):\n    return x.maximum(0)\n"


def conformance(cwd, cache_root, *args):
    env = clean_env(AIFUND_CACHE=str(cache_root))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--spec-items", "act.relu.",
                           "--conformance-json", "r.json", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)
    report = json.loads((pathlib.Path(cwd) / "r.json").read_text())
    return {k: v["status"] for k, v in report["items"].items() if k.startswith("act.relu.")}, proc


def test_a_module_cannot_poison_the_cache_another_one_reads(tmp_path):
    caches = tmp_path / "caches"
    for name, text in (("poisoner", POISONER), ("student", GOOD)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "mine.py").write_text(text)
    (tmp_path / "ref").mkdir()
    ref, proc = conformance(tmp_path / "ref", caches, "--impl", "impl")     # the reference fills the shared cache
    assert set(ref.values()) == {"pass"}, proc.stdout[-3000:]
    shared = caches / "worker-kernels"
    before = {p.name: p.read_bytes() for p in shared.glob("*.db")}
    assert before, "the reference wrote no shared cache"
    poisoned, proc = conformance(tmp_path / "poisoner", caches, "--impl", "mine.py")
    assert set(poisoned.values()) == {"pass"}, f"the module could write the shared cache: {poisoned}"
    assert {p.name: p.read_bytes() for p in shared.glob("*.db")} == before
    for cwd, args in ((tmp_path / "student", ("--impl", "mine.py")), (tmp_path / "ref", ("--impl", "impl"))):
        statuses, proc = conformance(cwd, caches, *args)
        assert set(statuses.values()) == {"pass"}, (cwd.name, statuses, proc.stdout[-3000:])
    own = sorted(p.name for p in (caches / "target-kernels").iterdir())
    assert len(own) == 2 and all(n.startswith("mine-") for n in own), f"not one cache per module: {own}"
