"""Which control-group mechanism this host offers a worker: cgroup v2 or v1 (memory, pids), read from the mounts.

Only reads /proc and the cgroup file systems (the caller passes their texts); it makes no group (see cgroups.py).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

PARENTS_ENV = "AIFUND_CGROUP_PARENTS"   # set by the grader: the submission's group, under which workers' groups go


@dataclass
class Plan:
    """Where this process makes its groups: ``mechanism`` "cgroup v2", "cgroup v1" or "none" (with ``reason``);
    ``parents`` maps "memory"/"pids" (v1: one folder per controller; v2: the same folder) to a parent folder."""
    mechanism: str
    parents: dict = field(default_factory=dict)
    reason: str = ""
    watch: tuple = ()       # groups above the parents whose OOM count also ends a worker (cgroups.nested)


def _unescape(path: str) -> str:
    return path.encode().decode("unicode_escape") if "\\" in path else path


def mounts(mountinfo: str) -> list[tuple[str, str, str, list[str]]]:
    """(mount point, root inside the hierarchy, type, super options) of each cgroup mount in a mountinfo text."""
    out = []
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            out.append((_unescape(fields[4]), _unescape(fields[3]), tail[0], tail[2].split(",")))
    return out


def own_paths(proc_cgroup: str) -> dict[str, str]:
    """This process's group in each hierarchy (a /proc/self/cgroup text): controller -> path; "" is v2's."""
    out = {}
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for name in (parts[1].split(",") if parts[1] else [""]):
                out[name] = parts[2]
    return out


def _folder(mount_point: str, root: str, path: str) -> str:
    rel = os.path.relpath(path, root) if (path + "/").startswith(root.rstrip("/") + "/") else "."
    return os.path.normpath(os.path.join(mount_point, rel))


def read_text(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def detect(mountinfo: str, proc_cgroup: str) -> Plan:
    """The group mechanism the mounts allow: v2 when its memory controller is there (in the kit's own group's
    cgroup.controllers) and the folder is writable, else v1's memory (and pids, where mounted) controllers."""
    found, own = mounts(mountinfo), own_paths(proc_cgroup)
    why = []
    for point, root, kind, _ in found:
        if kind == "cgroup2" and "" in own:
            folder = _folder(point, root, own[""])
            controllers = read_text(os.path.join(folder, "cgroup.controllers")).split()
            if "memory" not in controllers:
                why.append(f"cgroup v2 at {point} offers no memory controller")
            elif not os.access(folder, os.W_OK):
                why.append(f"cgroup v2: {folder} is not writable")
            else:
                parents = {"memory": folder, **({"pids": folder} if "pids" in controllers else {})}
                return Plan("cgroup v2", parents)
    parents = {}
    for point, root, kind, options in found:
        for name in ("memory", "pids"):
            if kind == "cgroup" and name in options and name in own and name not in parents:
                folder = _folder(point, root, own[name])
                if os.access(folder, os.W_OK) and os.path.isfile(os.path.join(folder, "cgroup.procs")):
                    parents[name] = folder
                else:
                    why.append(f"cgroup v1 {name}: {folder} is not writable")
    if "memory" in parents:
        return Plan("cgroup v1", parents)
    if not found:
        why.append("no cgroup file system is mounted")
    elif not why:
        why.append("no memory controller is mounted")
    return Plan("none", reason="; ".join(why))


def nested(plan: Plan, environ=os.environ) -> Plan:
    """The plan with its parents moved into the group the grader made for the whole submission (PARENTS_ENV),
    so every worker's group sits inside it and the submission's processes are capped together; unchanged
    when the variable is unset or names a folder outside this process's own groups."""
    given = environ.get(PARENTS_ENV)
    if not given or plan.mechanism == "none":
        return plan
    try:
        parents = json.loads(given)
    except ValueError:
        return plan
    if not isinstance(parents, dict) or set(parents) != set(plan.parents) or not all(
            isinstance(f, str) and os.path.isdir(f) and os.path.dirname(os.path.normpath(f)) == os.path.normpath(plan.parents[c])
            for c, f in parents.items()):
        return plan
    return Plan(plan.mechanism, dict(parents), plan.reason, watch=(parents["memory"],))
