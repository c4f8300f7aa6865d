"""Running a submission as a user of its own, when the grader runs as root.

A process of another user cannot signal the grader or the other submissions'
processes (``os.kill(-1, 9)`` reaches only its own), cannot write to the
grader's output folder, the kit or the installed libraries, and cannot read
the other submissions' private copies (each folder is 0700 and owned by its
own user). Each submission gets a distinct uid from a range no account uses.

This needs the interpreter, the kit and the data to be readable by other
users; where they are not (a Python installed under /root, a kit in a 0700
folder) the submission runs as the grader's user and the report says so.
"""
from __future__ import annotations

import functools
import itertools
import os
import pathlib
import stat
import sys
import threading

FIRST_UID = 2_000_000   # far above login accounts (1000...) and the usual /etc/subuid ranges (100000 + 65536 n)
UIDS = 10_000
_next = itertools.count()
_lock = threading.Lock()


def next_uid() -> int:
    with _lock:
        return FIRST_UID + next(_next) % UIDS


def others_can_reach(path: str | os.PathLike) -> str | None:
    """None when any user can read ``path`` (and search every folder above it); else the path that blocks."""
    path = pathlib.Path(os.path.realpath(path))
    for folder in reversed(path.parents):
        if not folder.stat().st_mode & stat.S_IXOTH:
            return str(folder)
    mode = path.stat().st_mode
    need = stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0)
    return None if mode & need == need else str(path)


def needed_paths(kit: pathlib.Path) -> list[str]:
    import numpy
    import tinygrad
    import torch
    paths = [sys.executable, os.path.realpath(sys.executable), sys.base_prefix, sys.prefix, str(kit),
             os.path.dirname(os.__file__), os.path.dirname(numpy.__file__), os.path.dirname(torch.__file__),
             os.path.dirname(tinygrad.__file__)]
    if os.environ.get("AIFUND_DATA"):
        paths.append(os.environ["AIFUND_DATA"])
    return paths


@functools.lru_cache(maxsize=None)
def isolation_plan(kit: pathlib.Path) -> tuple[bool, str]:
    """(run as a separate user?, a sentence for the report)."""
    if os.geteuid() != 0:
        return False, "ran as the grader's own user (the grader is not root, so it cannot switch users)"
    for p in needed_paths(kit):
        blocked = others_can_reach(p)
        if blocked:
            return False, (f"ran as the grader's own user: {blocked} is not readable by other users, "
                           "so a separate user could not run the kit")
    return True, "ran as a separate user of its own"


def hand_over(folder: pathlib.Path, uid: int) -> None:
    """Give the submission's private folder (and everything in it) to its user, readable by no one else."""
    for root, dirs, files in os.walk(folder):
        os.chown(root, uid, uid)
        for name in files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)
    os.chmod(folder, 0o700)


def become(uid: int) -> None:
    """In the child, after fork and before exec: drop every group and become ``uid``."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
