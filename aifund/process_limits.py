"""The worker's process seen from the operating system: the per-process limits set in it before it runs
(address space, CPU time, file size, processes of its user), and the clean-up after it (every process of
its user, the folders it wrote). Never reads or writes a request; never decides a verdict.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys

FIRST_UID = 2_000_000   # the first of the unprivileged users workers run as (sandbox.py)


def die_with_parent():
    """Linux: the worker is killed when the kit's process that started it ends (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def rlimits(limits, uid: int | None, switch_user: bool = False):
    def apply():
        os.setsid()
        die_with_parent()
        mem = limits.memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb << 20, limits.file_mb << 20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if switch_user:   # last: the limits above are set while still allowed to
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
    return apply


def end_user_processes(uid: int, rounds: int = 5) -> int:
    """SIGKILL every process whose real user is ``uid`` (a worker run without namespaces leaves no pid
    namespace to end them); a few rounds, for processes forked meanwhile. Returns how many were killed."""
    if uid is None or uid < FIRST_UID or not os.path.isdir("/proc"):
        return 0
    killed = 0
    for _ in range(rounds):
        found = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status") as status:
                    uids = next(line for line in status if line.startswith("Uid:")).split()[1:]
            except (OSError, StopIteration):
                continue
            if str(uid) in uids:
                try:
                    os.kill(int(entry), signal.SIGKILL)
                    found += 1
                except (ProcessLookupError, PermissionError):
                    pass
        killed += found
        if not found:
            break
    return killed


def remove_tree(path) -> None:
    """Removes a folder a worker wrote into, whatever it holds: links are not followed, and a tree too deep
    for shutil.rmtree's recursion (a submission can make one) goes with rm -rf. Never raises."""
    try:
        shutil.rmtree(path)
        return
    except FileNotFoundError:
        return
    except (OSError, RecursionError):
        pass
    try:
        subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    except (OSError, subprocess.TimeoutExpired):
        pass
