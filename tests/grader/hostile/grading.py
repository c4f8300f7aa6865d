"""The one ./grade run over the hostile corpus (grade_the_class), the processes a submission may leave, and the
reading of a submission's reports against its Case (problems_of). Never writes a source; asserts only that ./grade ran.
"""
from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from tests.grader.hostile.case import DAEMON_MARKER
from tests.grader.hostile.corpus import CASES, write_submissions
from tests.meta.run_suite import REPO

ITEMS = "act.sigmoid.values,act.relu.values"
ITEM_TIMEOUT = 20                         # room for a first tinygrad compile on a slow, busy machine
SUBMISSION_TIMEOUT = 120                  # a submission takes 5-40 s; only a hang of the kit's own would reach this
GRADE_LIMIT = 780                         # the whole ./grade run (normally 2-3 minutes)
FIRST_SUBMISSION_UID = 2_000_001          # aifund.sandbox.FIRST_UID + 1: the first uid a grade hands out (as root)
KIT_TRACES = ("Traceback (most recent call last)", 'File "', "aifund/", "grader/")


def uid_of(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def cmdline_of(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def pids() -> list[str]:
    return [p for p in os.listdir("/proc") if p.isdigit()]


def submission_processes() -> list[str]:
    """Processes a submission may have left: its daemon (by marker), or any process of a submission's user."""
    left = []
    for pid in pids():
        cmd = cmdline_of(pid)
        uid = uid_of(pid)
        if DAEMON_MARKER in cmd or (os.geteuid() == 0 and uid is not None and uid >= FIRST_SUBMISSION_UID):
            left.append(f"pid {pid} uid {uid}: {cmd[:200]}")
    return left


@dataclass
class Graded:
    out: pathlib.Path
    subs: pathlib.Path
    root: pathlib.Path
    stdout: str
    seconds: float
    daemon_seen: list
    left_after: list
    subs_before: dict


def grade_the_class(tmp_path_factory) -> Graded:
    root = tmp_path_factory.mktemp("hostile")
    os.chmod(root, 0o755)
    subs = write_submissions(root)
    before = {p.relative_to(subs).as_posix(): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
              for p in subs.rglob("*") if not p.is_fifo()}
    config = root / "course.toml"
    config.write_text(f"[limits]\nitem_timeout = {ITEM_TIMEOUT}\nsubmission_timeout = {SUBMISSION_TIMEOUT}\n"
                      "memory_mb = 6144\nmax_examples = 2\n")
    out = root / "grades"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    start = time.monotonic()
    with open(root / "grade.stdout", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "aifund.grader", str(subs), "--out", str(out), "--config", str(config),
                                 "--spec-items", ITEMS, "--jobs", "2"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        daemon_seen = set()
        try:
            while proc.poll() is None:       # watch for the daemon while the grade runs
                if time.monotonic() - start > GRADE_LIMIT:
                    break
                for pid in pids():
                    if DAEMON_MARKER in cmdline_of(pid):
                        daemon_seen.add((pid, uid_of(pid)))
                time.sleep(0.5)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    seconds = time.monotonic() - start
    stdout = (root / "grade.stdout").read_text(errors="replace")
    assert proc.returncode == 0, f"./grade exited {proc.returncode} after {seconds:.0f} s:\n{stdout[-4000:]}"
    left = submission_processes()
    for _ in range(20):                    # the kernel may take a moment to reap the sandboxes
        if not left:
            break
        time.sleep(0.5)
        left = submission_processes()
    print(f"./grade on {len(CASES)} hostile submissions: {seconds:.1f} s")
    return Graded(out, subs, root, stdout, seconds, sorted(daemon_seen), left, before)


def report_of(graded: Graded, name: str) -> dict:
    return json.loads((graded.out / name / "report.json").read_text())


def _allowed(expected) -> frozenset:
    return frozenset({expected}) if isinstance(expected, str) else frozenset(expected)


def problems_of(graded: Graded, name: str) -> list[str]:
    case = CASES[name]
    folder = graded.out / name
    missing = [f for f in ("report.json", "feedback.md", "results.json", "junit.xml") if not (folder / f).is_file()]
    if missing:
        return [f"{name}: no {missing}"]
    report = report_of(graded, name)
    by_id = {i["id"]: i for i in report["items"]}
    found = []
    for key, item_id, expected, says, never in (
            ("sigmoid", "act.sigmoid.values", case.sigmoid, case.sigmoid_says, ()),
            ("relu", "act.relu.values", case.relu, case.relu_says, case.relu_never_says)):
        item = by_id[item_id]
        if item["status"] not in _allowed(expected):
            found.append(f"{name}: {key} is {item['status']!r}, expected {sorted(_allowed(expected))}: "
                         f"{item['message'][:400]}")
        if says and not any(w.lower() in item["message"].lower() for w in says):
            found.append(f"{name}: {key}'s message does not say any of {says}: {item['message'][:400]}")
        if any(w.lower() in item["message"].lower() for w in never):
            found.append(f"{name}: {key}'s message says one of {never}: {item['message'][:400]}")
    passed = sum(i["status"] == "pass" for i in report["items"])
    if report["score"] != 100 * passed / 2:
        found.append(f"{name}: score {report['score']} with {passed} items passing")
    feedback = (folder / "feedback.md").read_text()
    traces = [t for t in KIT_TRACES if t in feedback]
    if traces:
        found.append(f"{name}: feedback.md shows the kit's internals {traces}")
    if name != "symlinked_submission" and not report["sandbox"].startswith("bubblewrap"):
        found.append(f"{name}: sandbox is {report['sandbox']!r}")
    if name != "symlinked_submission" and report["problem"]:      # e.g. the grade ran out of submission_timeout
        found.append(f"{name}: {report['problem'][:300]}")
    return found
