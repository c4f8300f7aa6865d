"""The worker's schedule cache on disk (aifund/worker/kernel_caches.py, RememberedSchedules).

A schedule tinygrad made in one worker process is found by the next one through the kernel-cache
folder, and the values computed with it are bit for bit those of a process that scheduled afresh; an
entry that is not a schedule is ignored.
"""
import json
import sqlite3
import subprocess
import sys

import pytest

from tests.meta.run_suite import REPO

pytestmark = pytest.mark.meta

# Forward and backward of a small network at two shapes, in a fresh process with the worker's caches.
PROGRAM = r'''
import json, sys
import numpy as np
from aifund.worker import kernel_caches
installed = kernel_caches.install_lowering_cache(), kernel_caches.install_schedule_cache()
from tinygrad import Tensor, schedule
out = []
for n, i, o in [(8, 5, 3), (4, 9, 2)]:
    rng = np.random.default_rng(n)
    x = Tensor(rng.standard_normal((n, i)).astype(np.float32))
    w = Tensor(rng.standard_normal((i, o)).astype(np.float32)); w.requires_grad = True
    b = Tensor(rng.standard_normal((o,)).astype(np.float32)); b.requires_grad = True
    loss = ((x @ w + b).relu() - (x @ w).softmax(-1)).square().mean()
    loss.backward()
    Tensor.realize(loss, w.grad, b.grad)
    out += [loss.numpy().tolist(), w.grad.numpy().tolist(), b.grad.numpy().tolist()]
cache = schedule.schedule_cache
print(json.dumps({"installed": installed, "out": out, "loaded": cache.loaded, "stored": cache.stored}))
'''


def run(cache_dir) -> dict:
    env = {"PATH": "/usr/bin:/bin", "DEV": "CPU", "PARALLEL": "0", "CACHEDB": str(cache_dir / "kernels.db"),
           "HOME": str(cache_dir)}
    done = subprocess.run([sys.executable, "-c", PROGRAM], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_schedule_made_in_one_process_is_used_by_the_next_with_the_same_values(tmp_path):
    first = run(tmp_path)
    assert first["installed"] == [True, True]
    assert first["loaded"] == 0 and first["stored"] > 0, first
    second = run(tmp_path)
    assert second["loaded"] >= first["stored"] and second["stored"] == 0, (first, second)
    assert second["out"] == first["out"]


def test_an_entry_that_is_not_a_schedule_is_ignored(tmp_path):
    first = run(tmp_path)
    import pickle
    import zlib
    with sqlite3.connect(tmp_path / "lowered.db") as db:
        keys = [k for (k,) in db.execute("SELECT key FROM lowered WHERE key LIKE 'schedule:%'")]
        assert keys
        for k in keys:
            db.execute("UPDATE lowered SET val = ? WHERE key = ?", (zlib.compress(pickle.dumps("not a schedule")), k))
    again = run(tmp_path)
    assert again["loaded"] == 0 and again["stored"] == first["stored"]
    assert again["out"] == first["out"]
