"""A control group per worker: the memory of all its processes together and their number, capped as a whole.

Picks cgroup v2 or v1 at run time where this process may make groups, else none (sandbox.py's rlimits stay the
only limits). It creates, joins, watches, empties and removes groups; it never talks to the worker.
"""
from __future__ import annotations

import atexit
import itertools
import json
import os
import signal
import subprocess
import threading
import time
import weakref

from aifund.cgroup_detect import PARENTS_ENV, Plan, detect, nested, read_text

PREFIX = "aifund-w"          # aifund-w<kit pid>-<its start time>-<n>: whose group it is, so stale ones are found
WATCH_SECONDS = 0.2          # how often a v1 group's OOM count is read (v2 kills the whole group itself)
_COUNTER = itertools.count(1)
_OPEN: "weakref.WeakSet[Group]" = weakref.WeakSet()     # closed at exit: a worker whose start failed, say


def _self_tag() -> str:
    start = read_text("/proc/self/stat").rpartition(")")[2].split()
    return f"{os.getpid()}-{start[19] if len(start) > 19 else 0}"


def _owner_alive(name: str) -> bool:
    """Whether the kit process that made group ``name`` still runs (same pid and the same start time)."""
    try:
        pid, start = name[len(PREFIX):].split("-")[:2]
    except ValueError:
        return False
    fields = read_text(f"/proc/{pid}/stat").rpartition(")")[2].split()
    return len(fields) > 19 and fields[19] == start


class Group:
    """One worker's group. ``join`` runs in the worker's first process before it executes anything (Popen's
    preexec_fn), so every process the worker starts is in it; ``close`` kills what is left and removes it."""

    def __init__(self, plan: Plan, memory_mb: int, pids: int):
        self.plan, self.memory_mb, self.pids = plan, memory_mb, pids
        self.mechanism = plan.mechanism
        self.folders: list[str] = []
        self.memory_folder = ""
        self._procs: list[str] = []
        self.oom = 0
        self.closed = False
        # The groups above this one that have a limit of their own (the submission's, see submission_group):
        # an OOM there ends a worker too; counted from their state when this group was made.
        self.above = {f: _oom_count(f, plan.mechanism) for f in plan.watch}
        if plan.mechanism == "none":
            return
        name = f"{PREFIX}{_self_tag()}-{next(_COUNTER)}"
        try:
            if self.mechanism == "cgroup v2":
                _enable_v2(plan.parents["memory"], [c for c in ("memory", "pids") if c in plan.parents])
            for parent in dict.fromkeys(plan.parents.values()):
                remove_stale(parent)
                os.mkdir(os.path.join(parent, name), 0o755)
                self.folders.append(os.path.join(parent, name))
            self.memory_folder = os.path.join(plan.parents["memory"], name)
            self._set_limits(name)
        except OSError as exc:
            self.close()
            self.mechanism, self.folders = "none", []
            self.plan = Plan("none", reason=f"the worker's group could not be made: {exc}")
            return
        self._procs = [os.path.join(f, "cgroup.procs") for f in self.folders]
        _OPEN.add(self)
        threading.Thread(target=self._watch, daemon=True).start()

    def _set_limits(self, name: str):
        mem, pids = os.path.join(self.plan.parents["memory"], name), None
        if "pids" in self.plan.parents:
            pids = os.path.join(self.plan.parents["pids"], name)
        limit = str(self.memory_mb << 20)
        if self.mechanism == "cgroup v2":
            _write(os.path.join(mem, "memory.max"), limit)
            _write(os.path.join(mem, "memory.swap.max"), "0", optional=True)
            _write(os.path.join(mem, "memory.oom.group"), "1", optional=True)   # an OOM ends the whole worker
        else:
            _write(os.path.join(mem, "memory.limit_in_bytes"), limit)
            _write(os.path.join(mem, "memory.memsw.limit_in_bytes"), limit, optional=True)
        if pids:
            _write(os.path.join(pids, "pids.max"), str(self.pids))

    def join(self):
        """In the worker's first process, before exec: moves it (and so all it starts) into the group."""
        if self.folders:
            pid = str(os.getpid()).encode()
            for path in self._procs:
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, pid)
                finally:
                    os.close(fd)

    def joining(self, preexec):
        """``preexec`` preceded by ``join`` (first: a switch of user in ``preexec`` would forbid the write)."""
        def apply():
            self.join()
            if preexec is not None:
                preexec()
        return apply

    def oom_kills(self) -> int:
        if not self.memory_folder:
            return 0
        own = _oom_count(self.memory_folder, self.mechanism)
        return max([own] + [_oom_count(f, self.mechanism) - before for f, before in self.above.items()])

    def limit_reached(self) -> bool:
        """Whether the group's processes together ever reached its memory limit (v2: an OOM event; v1: its peak
        usage at the limit, since v1 counts the OOM kill, and here even the failure, in the group below)."""
        if not self.memory_folder:
            return False
        if self.oom_kills() > 0 or self.mechanism == "cgroup v2":
            return self.oom_kills() > 0
        peak = read_text(os.path.join(self.memory_folder, "memory.max_usage_in_bytes")).strip()
        return peak.isdigit() and int(peak) >= self.memory_mb << 20

    def _watch(self):
        """v1 has no memory.oom.group: after the first OOM kill the rest of the worker is ended here, so a
        submission never goes on with some of its processes killed."""
        while not self.closed:
            if self.oom_kills():
                self.oom = max(self.oom, self.oom_kills())
                self.kill_all()
                return
            time.sleep(WATCH_SECONDS)

    def pids_in(self) -> list[int]:
        out = set()
        for path in self._procs:
            out.update(int(p) for p in read_text(path).split() if p.isdigit())
        return sorted(out)

    def kill_all(self, rounds: int = 50) -> bool:
        """SIGKILL every process in the group until none is left (a fork meanwhile is caught by the next
        round; pids.max bounds them). True when the group is empty."""
        for _ in range(rounds):
            left = self.pids_in()
            if not left:
                return True
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)
        return not self.pids_in()

    def close(self):
        """Ends what is left in the group, keeps its OOM count (see ``breach``), removes its folders."""
        if self.closed:
            return
        self.oom = max(self.oom, self.oom_kills())
        self.closed = True
        _OPEN.discard(self)
        self.kill_all()
        for folder in self.folders:
            for _ in range(50):     # a killed process leaves the group when it is reaped: a short wait
                try:
                    os.rmdir(folder)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)

    def breach(self) -> str | None:
        """How the worker ended when the group's memory limit ended it, else None."""
        if max(self.oom, self.oom_kills()) <= 0:
            return None
        return (f"was ended by the memory limit (memory limit: the implementation's processes together used "
                f"more than {self.memory_mb} MiB)")

    def facts(self) -> dict:
        """What this group enforces on the worker's processes together (none: why there is no group)."""
        if self.mechanism == "none":
            return {"mechanism": "rlimits only", "why_no_cgroup": self.plan.reason}
        return {"mechanism": self.mechanism, "memory_mb": self.memory_mb, "swap_mb": 0,
                "pids": self.pids if "pids" in self.plan.parents else "not limited (no pids controller)"}


def _oom_count(folder: str, mechanism: str) -> int:
    events = "memory.events" if mechanism == "cgroup v2" else "memory.oom_control"
    text = read_text(os.path.join(folder, events))
    counts = dict(line.split()[:2] for line in text.splitlines() if len(line.split()) >= 2)
    try:
        return max(int(counts.get("oom_kill", 0) or 0), int(counts.get("under_oom", 0) or 0))
    except ValueError:
        return 0


@atexit.register
def _close_open():
    for group in list(_OPEN):
        group.close()


def _write(path: str, value: str, optional: bool = False):
    try:
        with open(path, "w") as f:
            f.write(value)
    except OSError:
        if not optional:
            raise


def sweep():
    """Removes the groups of kit processes that have ended, under this process's parents (the grader calls it
    after each grade: a trusted process killed at the grade's time limit could not close its groups)."""
    plan = detect(read_text("/proc/self/mountinfo"), read_text("/proc/self/cgroup"))
    for parent in dict.fromkeys(plan.parents.values()):
        remove_stale(parent)


def _enable_v2(parent: str, controllers: list[str]):
    """v2: a child group has a controller's files only when its parent's cgroup.subtree_control names it."""
    enabled = read_text(os.path.join(parent, "cgroup.subtree_control")).split()
    wanted = " ".join(f"+{c}" for c in controllers if c not in enabled)
    if wanted:
        _write(os.path.join(parent, "cgroup.subtree_control"), wanted)


def remove_stale(parent: str):
    """Empties and removes the groups under ``parent`` whose kit process has ended (killed before it could)."""
    try:
        names = [n for n in os.listdir(parent) if n.startswith(PREFIX)]
    except OSError:
        return
    for name in names:
        if not _owner_alive(name):
            stale = Group(Plan("none"), 0, 0)
            stale.folders = [os.path.join(parent, name)]
            stale.memory_folder, stale._procs = stale.folders[0], [os.path.join(parent, name, "cgroup.procs")]
            stale.close()


def probe(memory_mb: int = 64, pids: int = 8) -> Plan:
    """The mechanism that works here, checked by making a group and starting ``true`` in it; AIFUND_CGROUPS=off
    (staff's choice) turns groups off."""
    if os.environ.get("AIFUND_CGROUPS", "").lower() in ("off", "0", "no"):
        return Plan("none", reason="turned off (AIFUND_CGROUPS=off)")
    plan = nested(detect(read_text("/proc/self/mountinfo"), read_text("/proc/self/cgroup")))
    if plan.mechanism == "none":
        return plan
    group = Group(plan, memory_mb, pids)
    if group.mechanism == "none":
        return group.plan
    try:
        subprocess.run(["true"], preexec_fn=group.join, check=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return Plan("none", reason=f"{plan.mechanism}: a process could not be moved into a group: {exc}")
    finally:
        group.close()
    return plan


def submission_group(memory_mb: int, pids: int) -> Group | None:
    """A group for one whole submission (the grader's): no process of its own, its workers' groups inside it
    (pass ``env_for`` of it to the trusted process), so memory and processes are capped over all of them.
    None where groups cannot be made here."""
    plan = probe()
    if plan.mechanism == "none":
        return None
    group = Group(plan, memory_mb, pids)
    return group if group.mechanism != "none" else None


def env_for(group: Group | None) -> dict:
    """The environment that makes a trusted process put its workers' groups inside ``group``."""
    if group is None:
        return {}
    name = os.path.basename(group.memory_folder)
    return {PARENTS_ENV: json.dumps({c: os.path.join(parent, name) for c, parent in group.plan.parents.items()})}


def enforced(sandbox, group: Group | None) -> dict:
    """What limits the worker ran under, for report.json and the log: its group's (all its processes together),
    or why there is none, and the rlimits of each process, which apply either way."""
    lim = sandbox.limits
    whole = group.facts() if group is not None else {"mechanism": "not started"}
    if group is None and sandbox.cgroups.mechanism == "none":
        whole = {"mechanism": "rlimits only", "why_no_cgroup": sandbox.cgroups.reason}
    per_process = {"address_space_mb": lim.memory_mb, "cpu_seconds": lim.cpu_seconds, "file_mb": lim.file_mb}
    if sandbox.uid is not None:
        per_process["processes_of_its_user"] = lim.processes
    return {**whole, "per_process": per_process, "tmp_mb": lim.tmp_mb if sandbox.isolated else None}
