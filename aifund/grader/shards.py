"""Spreading one class over several machines: ``--shard I/N`` grades a slice, ``--merge`` joins the slices.

    ./grade --shard 1/3 submissions/ --out shard-1      # on machine (or CI job) 1 of 3
    ./grade --shard 2/3 submissions/ --out shard-2      # ... 2 of 3, and so on
    ./grade --merge shard-1 shard-2 shard-3 --out grades   # anywhere; needs only the shard folders

The slice is deterministic: the expanded submission list is sorted by name
(the name a submission's reports are filed under) and shard I takes every Nth
submission from the Ith on, so each shard gets a similar number of
submissions whatever their names. Every shard writes DIR/shard.json (which
shard it was, and the names of every submission of the class and of its
slice) next to DIR/NAME/report.json and DIR/class.csv. ``--merge`` reads only
those files: it refuses, with one line, a submission graded in two shards, a
report.json that is not a grade report, reports graded over different spec
items, and (from the shard.json files) a shard that is missing or a
submission of a shard without its report, so a CI job that failed half-way
cannot silently drop students from class.csv. Every report and shard.json
carries the grading block of grader/fingerprint.py (course config resolved per
item, --spec-items, kit version, Hypothesis profile); ``--merge`` refuses
shards graded with different ones, naming the difference, unless
``--merge-mixed`` is given (class.csv's graded_with column then tells them apart). A report's text is the
submission's (messages, integrity records): it is read as untrusted text
(aifund.untrusted), whatever its type, before class.csv is written.
"""
from __future__ import annotations

import json
import pathlib
import re

from aifund import untrusted
from aifund.grader import fingerprint
from aifund.verdict import STATUSES


class ShardError(ValueError):
    """A shard request or a set of shard outputs that cannot be used; the message is one line."""


MANIFEST = "shard.json"


def parse_shard(text: str) -> tuple[int, int]:
    """'I/N' -> (I, N) with 1 <= I <= N."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m:
        raise ShardError(f"--shard {text}: expected I/N, shard I of N counted from 1 (e.g. 1/4)")
    i, n = int(m.group(1)), int(m.group(2))
    if n < 1:
        raise ShardError(f"--shard {text}: N must be at least 1")
    if not 1 <= i <= n:
        raise ShardError(f"--shard {text}: I must be between 1 and {n} (shards are counted from 1)")
    return i, n


RESERVED = {"class.csv", MANIFEST}


def submission_name(path: pathlib.Path) -> str:
    """The name a submission's reports are filed under (DIR/NAME/...): its file's stem or its folder's name,
    made safe as one folder name inside DIR (no '.', '..', separators or hidden names, none of the class
    files' names), since students choose their file names."""
    raw = path.stem if path.is_file() else path.name
    name = re.sub(r"[^A-Za-z0-9_.+-]", "_", raw).strip(".") or "_"
    if name.lower() in RESERVED or raw.startswith("."):
        name = "_" + name
    return name[:100]


def report_names(paths: list[pathlib.Path]) -> dict[pathlib.Path, str]:
    """A different report folder for every submission: a name taken twice (bob.py beside a package bob/, or
    names that differ only in case or in characters made safe) gets -2, -3, ... in the order given."""
    taken: set[str] = set()
    names = {}
    for p in paths:
        base = name = submission_name(p)
        n = 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        names[p] = name
    return names


def duplicate_names(paths: list[pathlib.Path]) -> dict[str, list[pathlib.Path]]:
    seen: dict[str, list[pathlib.Path]] = {}
    for p in paths:
        seen.setdefault(submission_name(p).lower(), []).append(p)
    return {k: v for k, v in seen.items() if len(v) > 1}


def select(paths: list[pathlib.Path], i: int, n: int) -> list[pathlib.Path]:
    """Shard i of n (1-based) of the submissions, sorted by name: every nth from the ith."""
    ordered = sorted(paths, key=lambda p: (submission_name(p), str(p)))
    return ordered[i - 1::n]


def write_manifest(out: pathlib.Path, i: int, n: int, everyone: list[pathlib.Path], mine: list[pathlib.Path],
                   grading: dict):
    """``grading``: what the shard is graded with (report.grading_context)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).write_text(json.dumps({
        "shard": i, "of": n, "grading": grading,
        "class": sorted(submission_name(p) for p in everyone),
        "submissions": sorted(submission_name(p) for p in mine)}, indent=2) + "\n")


def _check_report(data, path: pathlib.Path, folder: str) -> str | None:
    """Why ``data`` (read from path) is not a grade report of submission ``folder``, or None."""
    if not isinstance(data, dict):
        return "not a JSON object"
    for key, kind in (("submission", str), ("items", list), ("summary", dict)):
        if not isinstance(data.get(key), kind):
            return f"no {key!r} of a grade report"
    for key in ("score", "max_score", "seconds"):
        if not _number(data.get(key)):
            return f"no {key!r} of a grade report"
    if not all(isinstance(data["summary"].get(s), int) for s in STATUSES):
        return "its 'summary' does not count every status"
    for item in data["items"]:
        if not (isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("section"), str)
                and re.fullmatch(r"[0-9]{1,4}", item["section"]) and _number(item.get("score"))
                and _number(item.get("weight"))
                and item.get("status") in STATUSES):
            return "its 'items' are not graded spec items"
    if not isinstance(data.get("integrity", []), list):
        return "its 'integrity' is not a list"
    if data["submission"] != folder:
        return f"it is the report of {data['submission']!r}, not of {folder!r}"
    return None


def _number(value) -> bool:
    """A number a grade report can hold: no bool, NaN or infinity, nothing past what JSON readers agree on."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e15   # NaN: False


def read_shards(dirs: list[str | pathlib.Path], mixed: bool = False, notes: list | None = None) -> list[dict]:
    """Every grade report of the shard folders, sorted by submission; raises ShardError (one line). Reports
    graded with different grading blocks are refused, or with ``mixed`` merged and the difference appended
    to ``notes``."""
    reports: dict[str, tuple[dict, pathlib.Path]] = {}   # name -> (report, its report.json)
    manifests: list[tuple[dict, pathlib.Path]] = []
    for d in map(pathlib.Path, dirs):
        if not d.is_dir():
            raise ShardError(f"--merge: {d} is not a folder (expected the --out folder of a ./grade --shard run)")
        manifest = d / MANIFEST
        if manifest.is_file():
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
                assert isinstance(data, dict) and isinstance(data.get("shard"), int) and isinstance(data.get("of"), int)
                assert all(isinstance(data.get(k), list) and all(isinstance(x, str) for x in data[k])
                           for k in ("class", "submissions"))
            except (OSError, UnicodeDecodeError, ValueError, AssertionError, RecursionError):
                raise ShardError(f"--merge: {manifest} is not a shard manifest of ./grade --shard") from None
            manifests.append((data, manifest))
        found = sorted(d.glob("*/report.json"))
        if not found and not manifest.is_file():
            raise ShardError(f"--merge: {d} holds no grade reports (DIR/NAME/report.json) and no {MANIFEST}")
        for path in found:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
                raise ShardError(f"--merge: {path} is not a grade report ({type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'})") from None
            why = _check_report(data, path, path.parent.name)
            if why:
                raise ShardError(f"--merge: {path} is not a grade report ({why})")
            name = data["submission"]
            if name in reports:
                raise ShardError(f"--merge: submission {name!r} was graded in two shards: {reports[name][1]} "
                                 f"and {path}")
            reports[name] = (untrusted.json_safe(data), path)
    if not reports:
        raise ShardError(f"--merge: no grade reports in {', '.join(map(str, dirs))}")
    _check_manifests(manifests, reports)
    _check_grading(manifests, reports, mixed, notes)
    items = {}
    for name, (data, path) in sorted(reports.items()):
        ids = tuple(sorted(i["id"] for i in data["items"]))
        items.setdefault(ids, path)
    if len(items) > 1:
        (a, pa), (b, pb) = list(items.items())[:2]
        raise ShardError(f"--merge: the shards were graded over different spec items ({pa}: {len(a)} items, "
                         f"{pb}: {len(b)} items); grade every shard with the same --spec-items and --config")
    return [data for _, (data, _) in sorted(reports.items())]


def _check_grading(manifests: list[tuple[dict, pathlib.Path]], reports: dict, mixed: bool, notes: list | None):
    """Every report and shard.json against the first shard's (or the first report's) grading block."""
    shard_of = {path.parent: f"shard {data['shard']}/{data['of']} ({path.parent})" for data, path in manifests}
    graded = [(data.get("grading"), shard_of[path.parent]) for data, path in sorted(manifests, key=lambda m: m[0]["shard"])]
    graded += [(data.get("grading"), f"{shard_of.get(path.parent.parent, path.parent.parent)}: {name}")
               for name, (data, path) in sorted(reports.items())]
    (first, first_label), *rest = graded
    for block, label in rest:
        why = fingerprint.difference(first, block)
        if why is None:
            continue
        message = f"{label} was graded with {why}, compared with {first_label}"
        if not mixed:
            raise ShardError(f"--merge: {message}; grade every shard with the same --config, --spec-items and kit, "
                             "or pass --merge-mixed to merge them anyway")
        if notes is not None:
            notes.append(message)


def _check_manifests(manifests: list[tuple[dict, pathlib.Path]], reports: dict):
    if not manifests:
        return   # plain ./grade outputs (no --shard): nothing more to check than the reports
    (first, first_path), *rest = manifests
    for data, path in rest:
        if data["of"] != first["of"] or data["class"] != first["class"]:
            raise ShardError(f"--merge: {path} and {first_path} are shards of different runs "
                             f"({data['shard']}/{data['of']} of {len(data['class'])} submissions vs "
                             f"{first['shard']}/{first['of']} of {len(first['class'])})")
    seen: dict[int, pathlib.Path] = {}
    for data, path in manifests:
        if data["shard"] in seen:
            raise ShardError(f"--merge: shard {data['shard']}/{data['of']} given twice: {seen[data['shard']]} "
                             f"and {path}")
        seen[data["shard"]] = path
    missing = [str(s) for s in range(1, first["of"] + 1) if s not in seen]
    if missing:
        raise ShardError(f"--merge: shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} of {first['of']} "
                         f"{'are' if len(missing) > 1 else 'is'} missing (give every shard's --out folder)")
    for data, path in manifests:
        here = [name for name, (_, p) in reports.items() if p.parent.parent == path.parent]
        stale = sorted(set(here) - set(data["submissions"]))
        if stale:
            raise ShardError(f"--merge: {path.parent} holds report(s) of {', '.join(stale[:5])}, which are not "
                             f"of its shard {data['shard']}/{data['of']} (left from an earlier run? use an empty "
                             f"--out folder for each shard)")
        lost = [s for s in data["submissions"] if s not in reports]
        if lost:
            raise ShardError(f"--merge: {path.parent} has no report of {len(lost)} submission(s) of its shard "
                             f"({', '.join(lost[:5])}{', ...' if len(lost) > 5 else ''}); grade that shard again")
    extra = sorted(set(reports) - set(first["class"]))
    if extra:
        raise ShardError(f"--merge: report(s) of {', '.join(extra[:5])} are not of the class the shards were "
                         f"cut from")
