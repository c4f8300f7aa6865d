"""Runs the conformance suite on several implementations, one after another, in one process.

    python -m tests.meta.batch_runner < jobs.json

jobs.json: [{"impl": PATH, "items": [ID, ...], "out": JSON_PATH}, ...]. For each
job it calls pytest.main, as `pytest tests/conformance --impl PATH ...` would,
and writes the exit code to OUT + ".exit". Sharing one interpreter saves the
start-up and imports (torch, tinygrad) that a process per job would repeat.
"""
import json
import pathlib
import sys

import pytest


def main() -> int:
    jobs = json.load(sys.stdin)
    for job in jobs:
        code = pytest.main(["tests/conformance", "-q", "-p", "no:cacheprovider", f"--impl={job['impl']}",
                            f"--conformance-json={job['out']}", "--hypothesis-profile=mutants",
                            "--reference-visible",  # mutants are the reference with one bug: they import it
                            "--spec-items=" + ",".join(job["items"]), *job.get("extra", [])])
        pathlib.Path(job["out"] + ".exit").write_text(str(int(code)))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
