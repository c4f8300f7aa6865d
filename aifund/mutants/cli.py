"""``aifund-mutants``: make single-point mutants of an implementation, run each on the items that need what its
file touches, and print how many the items kill, per file and per item, with every survivor's diff.

Resumable: every verdict is appended to the results file, keyed by the mutant's id and the profile, and a later
run with the same file runs only what is missing. It never imports the implementation it mutates.
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import tomllib

from aifund import __version__
from aifund.mutants.generate import Mutant, mutants
from aifund.mutants.targets import items_for, python_files, touched_names
from aifund.spec import SPEC_DIR, load_items

REVIEWED = SPEC_DIR / "equivalent_mutants.toml"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aifund-mutants", description=__doc__.splitlines()[0].split(": ", 1)[1],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--impl", default=None, metavar="PATH",
                   help="a .py file or a package folder (default: the kit's reference of --framework)")
    p.add_argument("--framework", default="tinygrad", choices=("tinygrad", "torch"),
                   help="what the implementation is written in (passed to every conformance run)")
    p.add_argument("--hypothesis-profile", default="grading", choices=("grading", "mutants", "ci", "thorough"),
                   help="the profile every mutant is checked with")
    p.add_argument("--jobs", type=int, default=1, help="mutants checked at once (one conformance process each)")
    p.add_argument("--sample", type=int, default=None, metavar="N", help="check a random sample of N mutants")
    p.add_argument("--seed", type=int, default=0, help="the seed of --sample")
    p.add_argument("--files", default=None, metavar="NAME,NAME", help="only mutants of these files (relative to --impl)")
    p.add_argument("--ids", default=None, metavar="ID,ID", help="only these mutants (ids as --list prints them)")
    p.add_argument("--results", default="aifund-mutants.jsonl", metavar="FILE", help="verdicts, appended; read to resume")
    p.add_argument("--equivalents", default=str(REVIEWED), metavar="TOML",
                   help="reviewed equivalent mutants ([[mutant]] id, reason), left out of the figure")
    p.add_argument("--stop-at-first-kill", action="store_true",
                   help="end a mutant's run at its first failing test (much faster; per item, only fail and pass count)")
    p.add_argument("--list", action="store_true", help="list the mutants and the items each would run, run nothing")
    return p


def reviewed(path: str) -> dict[str, str]:
    p = pathlib.Path(path)
    if not p.exists():
        return {}
    return {m["id"]: m["reason"] for m in tomllib.loads(p.read_text(encoding="utf-8")).get("mutant", [])}


def previous(path: pathlib.Path, profile: str) -> dict[str, dict]:
    if not path.exists():
        return {}
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: r for r in records if r["profile"] == profile}


def chosen(impl: pathlib.Path, args) -> tuple[dict[str, str], list[tuple[Mutant, list[str]]]]:
    files = python_files(impl)
    touched, items = touched_names(files), load_items()
    only = set(args.files.split(",")) if args.files else None
    every = [(m, items_for(touched[f], items)) for f, src in files.items() if only is None or f in only
             for m in mutants(src, f)]
    every = [(m, its) for m, its in every if its and (not args.ids or m.id in args.ids.split(","))]
    if args.sample is not None and args.sample < len(every):
        picked = set(random.Random(args.seed).sample(range(len(every)), args.sample))
        every = [e for k, e in enumerate(every) if k in picked]
    return files, every


def materialise(impl: pathlib.Path, mutant: Mutant, root: pathlib.Path) -> pathlib.Path:
    """A copy of the implementation with the one mutated file, under root/ID/."""
    target = root / mutant.id / impl.name
    if impl.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(mutant.source, encoding="utf-8")
    else:
        shutil.copytree(impl, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (target / mutant.file).write_text(mutant.source, encoding="utf-8")
    return target


def run(impl: pathlib.Path, pending: list[tuple[Mutant, list[str]]], args, results: pathlib.Path):
    with tempfile.TemporaryDirectory(prefix="aifund-mutants-") as tmp:
        root = pathlib.Path(tmp)
        jobs = [{"id": m.id, "impl": str(materialise(impl, m, root)), "items": its, "profile": args.hypothesis_profile,
                 "results": str(results.resolve()), "kernel_cache": str(root / "kernels"),
                 "stop_at_first_kill": args.stop_at_first_kill, "framework": args.framework} for m, its in pending]
        slices = [jobs[k::max(args.jobs, 1)] for k in range(max(args.jobs, 1))]
        procs = [subprocess.Popen([sys.executable, "-m", "aifund.mutants.batch"], stdin=subprocess.PIPE, text=True,
                                  stdout=subprocess.DEVNULL, cwd=tmp) for s in slices if s]
        for proc, part in zip(procs, [s for s in slices if s]):
            proc.stdin.write(json.dumps(part))
            proc.stdin.close()
        for proc in procs:
            proc.wait()


def report(files, every, records, equivalent, profile) -> int:
    per_file = collections.defaultdict(collections.Counter)
    per_item = collections.defaultdict(collections.Counter)
    survivors = []
    by_value = 0        # killed by a wrong value (some item 'fail'), not only by an error or a timeout
    for m, its in every:
        if m.id in equivalent:
            per_file[m.file]["equivalent"] += 1
            continue
        r = records.get(m.id)
        if r is None:
            per_file[m.file]["not run"] += 1
            continue
        per_file[m.file]["killed" if r["killed"] else "survived"] += 1
        by_value += r["killed"] and "fail" in r["statuses"].values()
        for item, status in r["statuses"].items():
            if r.get("stopped_at_first_kill") and status not in ("fail", "pass"):
                continue    # the run ended at its first kill: an error may be a test that never ran
            per_item[item]["ran"] += 1
            per_item[item]["killed"] += status in ("fail", "error", "timeout")
        if not r["killed"]:
            survivors.append((m, r))
    for m, r in survivors:
        print(f"\nSURVIVED {m.id} {m.file}:{m.line} ({m.operator}) {m.change}\n  items that ran: {', '.join(r['items'])}")
        print("  " + m.diff(files[m.file]).replace("\n", "\n  ").rstrip())
    print("\nper file: killed / survived / equivalent / not run")
    for f, c in sorted(per_file.items()):
        print(f"  {f:24} {c['killed']:4} {c['survived']:4} {c['equivalent']:4} {c['not run']:4}")
    print("per item: mutants killed / mutants it ran on")
    for item, c in sorted(per_item.items()):
        print(f"  {item:40} {c['killed']:4} / {c['ran']}")
    killed = sum(c["killed"] for c in per_file.values())
    decided = killed + sum(c["survived"] for c in per_file.values())
    eq = sum(c["equivalent"] for c in per_file.values())
    rate = f"{100 * killed / decided:.1f}%" if decided else "n/a"
    print(f"\nkill rate: {killed} of {decided} non-equivalent mutants ({rate}), profile {profile}; "
          f"{eq} reviewed equivalent left out, {len(every)} mutants in the selection; {by_value} of the killed by a "
          f"wrong value (an item 'fail'), {killed - by_value} only by an error or a timeout")
    return 0 if decided and killed == decided else 1


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    reference = "aifund.reference_torch" if args.framework == "torch" else "aifund.reference"
    impl = pathlib.Path(args.impl) if args.impl else pathlib.Path(importlib.util.find_spec(reference).origin).parent
    if not impl.exists():
        print(f"aifund-mutants: {impl} does not exist", file=sys.stderr)
        return 4
    files, every = chosen(impl.resolve(), args)
    equivalent = reviewed(args.equivalents)
    if args.list:
        for m, its in every:
            print(f"{m.id} {m.file}:{m.line} ({m.operator}) {m.change}  [{len(its)} items]")
        return 0
    results = pathlib.Path(args.results)
    done = previous(results, args.hypothesis_profile)
    pending = [(m, its) for m, its in every if m.id not in done and m.id not in equivalent]
    print(f"[mutants] {len(every)} mutants of {impl}: {len(every) - len(pending)} known or reviewed, "
          f"{len(pending)} to run on {args.jobs} process(es), profile {args.hypothesis_profile}", file=sys.stderr)
    if pending:
        run(impl.resolve(), pending, args, results)
    return report(files, every, previous(results, args.hypothesis_profile), equivalent, args.hypothesis_profile)


if __name__ == "__main__":
    sys.exit(main())
