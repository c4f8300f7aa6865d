"""Grades one submission: runs the conformance suite on it in child processes and collects the events.

Each child is ``pytest tests/conformance --impl SUBMISSION -p grader.child_plugin``
with resource limits (address space, file size, CPU time), a clean working
directory and the kit's own configuration file. Its events arrive over a pipe.
When a child dies or exits early, the test it was running is recorded as the
cause and a new child runs the tests that have not reported yet, so one crash
costs one item, not the whole submission.
"""
from __future__ import annotations

import json
import os
import pathlib
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from grader.config import CourseConfig
from grader.sandbox_user import become, hand_over, isolation_plan, next_uid

KIT = pathlib.Path(__file__).resolve().parents[1]
OUTPUT_LIMIT = 64 * 1024 * 1024   # bytes a child may write to any file (its captured output included)


@dataclass
class Outcome:
    results: dict = field(default_factory=dict)    # nodeid -> list of result events
    crashes: dict = field(default_factory=dict)    # nodeid -> why it did not report
    collected: list = field(default_factory=list)
    seconds: float = 0.0
    children: int = 0
    log_tail: str = ""
    isolation: str = ""
    done: bool = False          # the current child's run ended on its own
    last_death: str = ""


UNKNOWN = "<a test the child did not name>"


def _limits(memory_mb: int, cpu_seconds: int, uid: int | None):
    def apply():
        os.setsid()
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2 ** 20, memory_mb * 2 ** 20))
        resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT, OUTPUT_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # an over-long write fails (EFBIG) instead of killing
        if uid is not None:
            become(uid)
    return apply


def _child(submission: pathlib.Path, workdir: pathlib.Path, nodeids: list[str] | None, config: CourseConfig,
           deadline: float, allow_reference: bool, outcome: Outcome, workers: int, only=None,
           uid: int | None = None, kernel_cache: pathlib.Path | None = None) -> str | None:
    """Runs one child; returns the nodeid it was running when it died (None when it finished)."""
    read_fd, write_fd = os.pipe()
    limits = config.limits
    args = [sys.executable, "-m", "pytest", "-c", str(KIT / "pyproject.toml"), "--rootdir", str(KIT),
            "-p", "no:cacheprovider", "-p", "grader.child_plugin", "-q", "--no-header", "-rN",
            f"--impl={submission}", f"--results-fd={write_fd}", f"--submission-dir={submission.parent if submission.is_file() else submission}",
            f"--item-timeout={limits.item_timeout}", "--hypothesis-profile=grading",
            f"--impl-import-timeout={limits.item_timeout:g}"]
    if allow_reference:
        args.append("--allow-reference")
    if only:
        args.append("--spec-items=" + ",".join(only))
    # Always through pytest-xdist, even with one worker: the submission then runs in worker processes,
    # which do not inherit the results pipe; only the controlling process, which never imports it, has it.
    args += ["-n", str(max(1, workers)), "--dist", "load"]
    args += nodeids if nodeids else [str(KIT / "tests" / "conformance")]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "HYPOTHESIS"))}
    env.update({"PYTHONPATH": str(KIT), "GRADING_MAX_EXAMPLES": str(limits.max_examples),
                "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(workdir), "TMPDIR": str(workdir),
                # Grading runs many small kernels once each; tinygrad's kernel optimisations (upcasts,
                # unrolls) cost more to compile than they save there. Results stay within the kit's
                # tolerance policy, which is written for any order of float32 accumulation.
                "NOOPT": "1",
                # tinygrad compiles in a pool of cores // xdist workers processes, here 1, respawned every
                # 16 kernels: with one, compiling in the test's own process is cheaper (47 s, not 62 s).
                "PARALLEL": "0"})
    env.pop("XDG_CACHE_HOME", None)
    env["CACHEDB"] = str(kernel_cache or workdir / "tinygrad-cache.db")   # a private copy: see _private_kernel_cache
    log = open(workdir / "child.log", "ab")
    remaining = max(5.0, deadline - time.monotonic())
    proc = subprocess.Popen(args, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            env=env, pass_fds=(write_fd,), preexec_fn=_limits(limits.memory_mb, int(remaining) + 10, uid))
    os.close(write_fd)
    outcome.children += 1
    running, buffer = None, b""
    outcome.done = False
    timed_out = silent = False
    # The longest a healthy child stays silent: one import and one test, each under its own limit, plus
    # start-up. Longer means its processes no longer talk to each other (a submission that wrote into
    # pytest-xdist's channel, say): it is stopped, and the test it was running is charged with it.
    silence_limit = 2 * limits.item_timeout + 30
    last_heard = time.monotonic()
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        os.set_blocking(pipe.fileno(), False)
        while True:
            try:
                chunk = pipe.read(65536)
            except BlockingIOError:
                chunk = None
            now = time.monotonic()
            if chunk:
                last_heard = now
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    running = _event(line, running, outcome)
                continue
            if chunk == b"" and proc.poll() is not None:
                break
            timed_out = now > deadline
            silent = now - last_heard > silence_limit
            if timed_out or silent:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                break
            time.sleep(0.02)
    proc.wait()
    log.close()
    if silent and not timed_out:
        culprit = running or "<submission>"
        outcome.crashes[culprit] = (f"the submission's processes stopped responding (nothing reported for "
                                    f"{silence_limit:g} s) while this test was running")
        return culprit
    if timed_out:
        return running or "<submission>"
    code = proc.returncode
    how = (f"killed by signal {-code} ({signal.Signals(-code).name})" if code < 0 else f"exited with code {code}")
    if running is not None:
        outcome.crashes[running] = f"the submission's process {how} while this test was running"
        return running
    if not outcome.done:
        # it died before telling which test was running (the controlling process was killed first)
        outcome.last_death = f"the submission's processes ended early ({how}) before these tests reported"
        return UNKNOWN
    return None


def _event(line: bytes, running, outcome: Outcome):
    try:
        event = json.loads(line)
    except ValueError:
        return running
    kind = event.get("event")
    if kind == "collected":
        if not outcome.collected:
            outcome.collected = list(event["nodeids"])
    elif kind == "start":
        return event["nodeid"]
    elif kind == "result":
        outcome.results.setdefault(event["nodeid"], []).append(event)
    elif kind == "finish":
        return None
    elif kind == "done":
        outcome.done = True
    return running


def grading_kernel_cache() -> pathlib.Path:
    """The grader's own tinygrad kernel cache, filled by ``./grade --warm-cache`` (the reference, trusted)."""
    default = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "aifund" / "grading-kernels.db"
    return pathlib.Path(os.environ.get("AIFUND_GRADING_CACHE") or default)


def _private_kernel_cache(workdir: pathlib.Path) -> None:
    """Start the submission with a copy of the grader's compiled-kernel cache.

    Reusing the kernels the reference already compiled saves most of tinygrad's
    compile time; a copy, because a submission can write to its cache, and a
    shared one would let it plant kernels that other submissions then run.
    """
    import sqlite3
    source = grading_kernel_cache()
    if not source.is_file():
        return
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, \
             sqlite3.connect(workdir / "tinygrad-cache.db") as dst:
            src.backup(dst)
    except sqlite3.Error:
        pass   # no cache: slower, not wrong


def warm_kernel_cache(config: CourseConfig, workers: int = 1) -> Outcome:
    """Grades the reference with the grader's kernel cache writable, so later submissions start warm."""
    cache = grading_kernel_cache()
    cache.parent.mkdir(parents=True, exist_ok=True)
    return grade_submission(KIT / "impl", config, allow_reference=True, workers=workers, kernel_cache=cache)


def grade_submission(submission: str | pathlib.Path, config: CourseConfig, allow_reference: bool = False,
                     workers: int = 1, only: list[str] | None = None, kernel_cache: pathlib.Path | None = None) -> Outcome:
    """Runs every conformance test on the submission; never raises because of the submission.

    ``kernel_cache``: a tinygrad cache file to use in place, only for trusted code (warm_kernel_cache)."""
    start = time.monotonic()
    deadline = start + config.limits.submission_timeout
    outcome = Outcome()
    source = pathlib.Path(submission).resolve()
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        workdir = pathlib.Path(tmp)
        # A private copy: the child never runs in, or writes to, the submission's own folder.
        copy = workdir / "submission" / source.name
        copy.parent.mkdir()
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, copy)
        if kernel_cache is None:
            _private_kernel_cache(workdir)
        separate, outcome.isolation = isolation_plan(KIT) if kernel_cache is None else (False, "the reference, trusted")
        uid = next_uid() if separate else None
        if uid is not None:
            hand_over(workdir, uid)
        pending = None
        reported = -1
        for _ in range(50):
            died_in = _child(copy, workdir, pending, config, deadline, allow_reference, outcome, workers,
                             None if pending else only, uid, kernel_cache)
            if died_in is None:
                break
            heard = set(outcome.results) | set(outcome.crashes)
            left = [n for n in outcome.collected if n not in heard]
            if died_in == UNKNOWN and len(outcome.results) == reported and pending:
                # a second early end in a row with nothing new reported: charge what is left with it
                for nodeid in left:
                    outcome.crashes[nodeid] = outcome.last_death
                break
            reported = len(outcome.results)
            if time.monotonic() > deadline:
                reason = f"the submission ran out of its {config.limits.submission_timeout:g} s"
                for nodeid in outcome.collected:
                    if nodeid not in outcome.results:
                        outcome.crashes.setdefault(nodeid, reason)
                break
            if not outcome.collected:
                break
            pending = [str(KIT / n) for n in left]
            if not pending:
                break
        # messages name the submission as its author knows it, not the private copy that ran
        for events in outcome.results.values():
            for e in events:
                e["message"] = e.get("message", "").replace(str(copy), str(source))
        log = workdir / "child.log"
        outcome.log_tail = log.read_bytes()[-3000:].decode("utf-8", "replace") if log.exists() else ""
    outcome.seconds = time.monotonic() - start
    return outcome
