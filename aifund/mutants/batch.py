"""Runs the conformance suite on mutants one after another in one process and appends each verdict to the
results file (python -m aifund.mutants.batch < jobs.json).

Decides killed or survived from the conformance report's item statuses only; the mutated code runs in the
kit's worker, never in this process.
"""
from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import sys
import tempfile
import time

from filelock import FileLock

KILLING = ("fail", "error", "timeout")   # a mutant that makes an item raise or hang is detected too


def run_one(job: dict) -> dict:
    import pytest
    tests = importlib.util.find_spec("aifund.conformance").submodule_search_locations[0]
    with tempfile.TemporaryDirectory(prefix="aifund-mutant-") as tmp:
        report_path = pathlib.Path(tmp) / "report.json"
        started = time.monotonic()
        pytest.main([tests, "-q", "-p", "no:cacheprovider", f"--impl={job['impl']}", f"--conformance-json={report_path}",
                     f"--hypothesis-profile={job['profile']}", "--spec-items=" + ",".join(job["items"]),
                     f"--kernel-cache={job['kernel_cache']}", "--rootdir", tests, "-c", os.devnull]
                    + (["--maxfail=1"] if job.get("stop_at_first_kill") else [])
                    + ([f"--framework={job['framework']}"] if job.get("framework") else []))
        seconds = round(time.monotonic() - started, 1)
        report = json.loads(report_path.read_text()) if report_path.exists() else {"items": {}}
    statuses = {i: report["items"].get(i, {}).get("status", "error") for i in job["items"]}
    return {"id": job["id"], "profile": job["profile"], "items": job["items"], "statuses": statuses,
            "killed": any(s in KILLING for s in statuses.values()), "seconds": seconds,
            "stopped_at_first_kill": bool(job.get("stop_at_first_kill"))}


def main() -> int:
    jobs = json.load(sys.stdin)
    for job in jobs:
        record = run_one(job)
        with FileLock(job["results"] + ".lock"):
            with open(job["results"], "a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
        print(f"[mutant {record['id']}] {'killed' if record['killed'] else 'SURVIVED'} in {record['seconds']} s",
              file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
