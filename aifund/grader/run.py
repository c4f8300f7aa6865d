"""Grades one submission: the conformance suite in a trusted process, the submission in a sandbox.

The grading process starts ``pytest tests/conformance --impl COPY`` (the kit's
own code: oracles, tolerances, verdicts), which starts the submission's worker
inside bubblewrap (aifund/sandbox.py) and talks to it in plain data only. That
pytest process writes the per-item report; nothing the submission's processes
say is read here. The submission never sees this process, the output folder,
other submissions or the kit's tests.

Before anything runs, the submission is copied into a private folder without
following symlinks; special files (FIFOs, devices, sockets) and links are left
out and noted. The copy, the kernel cache and the report live in a temporary
folder that is removed afterwards.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from aifund import cgroups, frameworks, process_limits, sandbox
from aifund.grader.config import CourseConfig
from aifund.kit.options import conformance_dir

GRADING_INI = pathlib.Path(__file__).resolve().parents[1] / "kit" / "pytest.ini"
COPY_LIMIT_BYTES = 50 << 20       # a submission larger than this is refused
COPY_LIMIT_FILES = 2000
LOG_KEEP = 200_000                 # bytes of the grading process's own output kept for staff


@dataclass
class Outcome:
    report: dict | None = None                  # the conformance report of the trusted pytest process
    problem: str = ""                           # why some or all items have no result
    notes: list = field(default_factory=list)   # files left out of the copy, and why
    seconds: float = 0.0
    sandbox: str = ""
    limits: dict | list | None = None           # what the worker ran under (kit/report.py: cgroups.enforced)
    log_tail: str = ""


class CopyRefused(Exception):
    pass


def safe_copy(source: pathlib.Path, dest: pathlib.Path) -> list[str]:
    """Copies a .py file or a package folder without following symlinks; returns what was left out."""
    notes: list[str] = []
    try:
        st = os.lstat(source)
    except OSError as exc:
        raise CopyRefused(f"cannot read {source.name}: {exc.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise CopyRefused(f"{source.name} is a symbolic link; submit the file itself")
    if stat.S_ISREG(st.st_mode):
        if st.st_size > COPY_LIMIT_BYTES:
            raise CopyRefused(f"{source.name} is {st.st_size} bytes, over the {COPY_LIMIT_BYTES} byte limit")
        _copy_file(source, dest)
        return notes
    if not stat.S_ISDIR(st.st_mode):
        raise CopyRefused(f"{source.name} is neither a file nor a folder")
    total, count = 0, 0
    for root, dirs, files in os.walk(source, followlinks=False):
        rel = pathlib.Path(root).relative_to(source)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for name in sorted(dirs):
            if os.path.islink(os.path.join(root, name)):
                notes.append(f"{rel / name}: a symbolic link, not copied")
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d)) and d != "__pycache__"]
        for name in sorted(files):
            path = pathlib.Path(root) / name
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                notes.append(f"{rel / name}: a symbolic link, not copied")
                continue
            if not stat.S_ISREG(mode):
                notes.append(f"{rel / name}: not a regular file (a FIFO, socket or device), not copied")
                continue
            count += 1
            total += os.lstat(path).st_size
            if count > COPY_LIMIT_FILES or total > COPY_LIMIT_BYTES:
                raise CopyRefused(f"{source.name} holds more than {COPY_LIMIT_FILES} files or "
                                  f"{COPY_LIMIT_BYTES} bytes")
            _copy_file(path, dest / rel / name)
    return notes


def _copy_file(src: pathlib.Path, dst: pathlib.Path):
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(src, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CopyRefused(f"{src.name} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f, open(dst, "wb") as out:
            shutil.copyfileobj(f, out)
    finally:
        os.close(fd)
    os.chmod(dst, 0o644)


def grading_kernel_cache() -> pathlib.Path:
    """The grader's own tinygrad kernel cache, filled by ``./grade --warm-cache`` (the reference, trusted)."""
    default = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "aifund" / "grading-kernels"
    return pathlib.Path(os.environ.get("AIFUND_GRADING_CACHE") or default)


# Each grading process takes its own block of users (by process id), so two grades at once do not share one.
_UID_BASE = sandbox.FIRST_UID + 1 + (os.getpid() % 4096) * 256
_UIDS = iter(range(_UID_BASE, _UID_BASE + 256))
_UID_LOCK = threading.Lock()


def next_uid() -> int:
    """A user of its own for each submission graded by this process (root mode)."""
    global _UIDS
    with _UID_LOCK:
        try:
            return next(_UIDS)
        except StopIteration:   # a class of more than 256: start the block again (earlier grades are over)
            _UIDS = iter(range(_UID_BASE, _UID_BASE + 256))
            return next(_UIDS)


def seed_kernels(seed: pathlib.Path, dest: pathlib.Path):
    """A private copy of the grader's kernel cache. tinygrad's sqlite cache keeps new kernels in a
    write-ahead log next to the file (its writer is killed, never checkpointed): the backup API copies the
    committed contents, log included, where a file copy would lose them."""
    import sqlite3
    if not seed.is_file():
        return
    try:
        with sqlite3.connect(f"file:{seed}?mode=ro", uri=True) as src, sqlite3.connect(dest) as dst:
            src.backup(dst)
    except sqlite3.Error:
        pass   # no cache: slower, not wrong


ITEMS_PER_WORKER = 4


def workers_for(only: list[str] | None) -> int:
    """How many test processes a selection of items can use: one per ITEMS_PER_WORKER items (all of them
    when there is no selection). Each process imports torch, collects the suite and starts a worker of its
    own, about 3 s of CPU; a grade of one item took 5.6 s with two processes and 2.9 s with one."""
    if not only:
        return 1 << 16
    from aifund.spec import load_items, matches
    selected = sum(1 for i in load_items() if any(matches(i, w) for w in only))
    return max(1, -(-selected // ITEMS_PER_WORKER))


def grade_submission(submission: str | pathlib.Path, config: CourseConfig, *, sandbox_mode: str = "require",
                     reference_visible: bool = False, workers: int = 1, only: list[str] | None = None,
                     warm_cache: bool = False) -> Outcome:
    """Runs every conformance test on the submission; never raises because of the submission.

    ``warm_cache``: the submission is the trusted reference; its kernels are kept in the grader's cache."""
    start = time.monotonic()
    outcome = Outcome()
    source = pathlib.Path(submission).absolute()
    limits = config.limits
    tmp = tempfile.mkdtemp(prefix="aifund-grade-")
    group = None
    try:
        work = pathlib.Path(tmp)
        os.chmod(work, 0o755)
        copy = work / "submission" / source.name
        copy.parent.mkdir()
        try:
            outcome.notes = safe_copy(source, copy)
        except CopyRefused as exc:
            outcome.problem = f"the submission was not graded: {exc}"
            outcome.seconds = time.monotonic() - start
            return outcome
        uid = next_uid() if os.geteuid() == 0 else None    # with or without the sandbox, never root
        seed = grading_kernel_cache()
        if warm_cache:
            seed.mkdir(parents=True, exist_ok=True)
            cache = seed
        else:
            cache = work / "cache"
            cache.mkdir()
            for name in ("kernels.db", "lowered.db"):   # compiled kernels, and the worker's lowered ones
                seed_kernels(seed / name, cache / name)
        if uid is not None:
            for path in [cache, *cache.iterdir()]:
                os.chown(path, uid, uid)
        report_path = work / "report.json"
        tests = conformance_dir()
        args = [sys.executable, "-m", "pytest", "-c", str(GRADING_INI), "--rootdir", str(tests),
                f"--confcutdir={tests}", str(tests), "-p", "no:cacheprovider", "-q", "--no-header", "-rN",
                f"--impl={copy}", f"--conformance-json={report_path}", "--hypothesis-profile=grading",
                f"--item-timeout={limits.item_timeout:g}", f"--impl-import-timeout={limits.import_timeout:g}",
                f"--sandbox={sandbox_mode}", f"--kernel-cache={cache}", f"--worker-memory-mb={limits.memory_mb}"]
        workers = min(workers, workers_for(only))
        if workers > 1:
            # pytest-xdist only where it buys parallelism: with one worker it adds a controller process and
            # a second interpreter start to every grade (a second each, a third of a small grade), and the
            # submission is in the sandboxed worker either way, never in this process.
            args += ["-n", str(workers)]
        if uid is not None:
            args.append(f"--worker-uid={uid}")
        if reference_visible:
            args.append("--reference-visible")
        if config.framework != frameworks.DEFAULT:
            args.append(f"--framework={config.framework}")
        if config.shortcuts.forbid:
            args.append("--shortcuts=forbid")
            if config.shortcuts.allowed:
                args.append("--allow-shortcut=" + ",".join(config.shortcuts.allowed))
        if only:
            args.append("--spec-items=" + ",".join(only))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "HYPOTHESIS", "PYTHONPATH"))}
        env.update({"GRADING_MAX_EXAMPLES": str(limits.max_examples),
                    "PYTHONDONTWRITEBYTECODE": "1",
                    # Grading runs many small kernels once each; tinygrad's kernel optimisations cost more
                    # to compile than they save there, and the tolerances hold for any accumulation order.
                    "NOOPT": "1", "PARALLEL": "0"})
        # One group for the whole submission: every worker's group goes inside it, so the memory and the
        # number of all the submission's processes together are capped, however many workers it gets.
        group = cgroups.submission_group(limits.memory_mb, sandbox.Limits().processes)
        env.update(cgroups.env_for(group))
        log_path = work / "grading.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(args, cwd=work, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=env, start_new_session=True)
            try:
                proc.wait(timeout=limits.submission_timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                outcome.problem = (f"the grade ran out of its {limits.submission_timeout:g} s "
                                   "(course limit submission_timeout); items without a result score 0")
        outcome.log_tail = log_path.read_bytes()[-LOG_KEEP:].decode("utf-8", "replace")
        if report_path.is_file():
            outcome.report = json.loads(report_path.read_text(encoding="utf-8"))
            outcome.sandbox = outcome.report.get("sandbox", "")
            if outcome.report.get("complete") is not True and not outcome.problem:
                outcome.problem = (f"the grading process stopped before it finished (exit {proc.returncode}); "
                                   "items whose tests did not all report are not passed; see the log")
            outcome.limits = outcome.report.get("limits")
            _rename(outcome.report, [str(copy), f"/submission/{source.name}"], str(submission))
        elif not outcome.problem:
            outcome.problem = f"the grading process wrote no report (exit {proc.returncode}); see the log"
    finally:
        cgroups.sweep()   # groups the grading process could not close (killed at the time limit): emptied, removed
        if group is not None:
            for folder in group.folders:
                cgroups.remove_stale(folder)
            if group.limit_reached() and not outcome.problem:
                outcome.problem = (f"memory limit: the submission's processes together used more than "
                                   f"{limits.memory_mb} MiB; the tests running then are errors")
            group.close()
        # What the submission left in its cache may be anything (a tree thousands of folders deep, too
        # deep for shutil.rmtree): removed without following links, never failing the grade.
        process_limits.remove_tree(tmp)
    outcome.seconds = time.monotonic() - start
    return outcome


def _rename(report: dict, private: list[str], public: str):
    """Messages name the submission as its author knows it, not the private copy that ran."""
    for entry in report.get("items", {}).values():
        for path in private:
            entry["message"] = entry.get("message", "").replace(path, public)


def warm_kernel_cache(config: CourseConfig, workers: int = 1, only: list[str] | None = None) -> Outcome:
    """Grades the reference with the grader's kernel cache writable, so later submissions start warm."""
    return grade_submission(sandbox.reference_dir(config.framework), config, reference_visible=True, workers=workers,
                            warm_cache=True, sandbox_mode="auto", only=only)
