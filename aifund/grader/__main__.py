"""Grade submissions: ``python -m aifund.grader SUBMISSION [SUBMISSION ...] --out DIR``.

A SUBMISSION is a .py file or a package directory; a directory that is neither
(no __init__.py) is a folder of submissions, each graded on its own. Writes
DIR/NAME/{feedback.md, report.json, results.json, junit.xml} per submission
and DIR/class.csv. Submissions run in parallel, one per core by default.

Across machines (grader/shards.py): ``--shard I/N`` grades slice I of N of the
submissions (sorted by name) into DIR, and ``--merge DIR [DIR ...] --out OUT``
writes OUT/class.csv from the shards' reports alone. ``--gradescope-bundle
FILE.zip`` writes a Gradescope autograder of this kit (grader/bundle.py).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import pathlib
import sys

import traceback

from aifund import sandbox, untrusted
from aifund.grader.config import ConfigError, load_config
from aifund.kit.selection import unknown_selection
from aifund.grader.report import grade, grading_context, write_class_summary, write_reports
from aifund.grader.run import Outcome, grade_submission, grading_kernel_cache, warm_kernel_cache
from aifund.grader import shards
from aifund import __version__
from aifund.closed_pipe import quiet


PROG = "aifund-grade"   # what messages start with (./grade runs the same command)


def expand(paths: list[str]) -> list[pathlib.Path]:
    out = []
    for p in map(pathlib.Path, paths):
        if p.is_dir() and not (p / "__init__.py").exists():
            out += sorted(c for c in p.iterdir() if (c.suffix == ".py" and c.is_file()) or (c / "__init__.py").exists())
        else:
            out.append(p)
    return out


@quiet
def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("submissions", nargs="*",
                   help=".py files, package folders, or folders of them (relative to this folder)")
    p.add_argument("--out", default="grades", help="where the reports and class.csv go")
    p.add_argument("--config", default=None, help="course config TOML (weights, hidden items, limits)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    p.add_argument("--spec-items", default=None, help="grade only these items (comma-separated ids or prefixes ending in '.')")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run submissions without the bubblewrap sandbox (only for code you trust; report.json says so)")
    p.add_argument("--reference-visible", action="store_true",
                   help="let submissions import the reference impl/ (the kit's own mutant corpus needs it)")
    p.add_argument("--warm-cache", action="store_true",
                   help="first grade the reference into the grader's kernel cache (once per machine; later "
                        "submissions then skip most of tinygrad's compiling)")
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="grade only slice I of N (1-based) of the submissions, sorted by name; DIR gets that "
                        "slice's reports, class.csv and shard.json (for --merge)")
    p.add_argument("--merge", nargs="+", default=None, metavar="DIR",
                   help="write OUT/class.csv from the reports of these --shard output folders (no grading; "
                        "the submissions are not needed); refuses shards graded with another course config, "
                        "item selection, kit version or Hypothesis profile")
    p.add_argument("--merge-mixed", action="store_true",
                   help="with --merge: merge shards graded differently anyway (each difference is printed; "
                        "class.csv's graded_with column tells them apart)")
    p.add_argument("--gradescope-bundle", default=None, metavar="FILE.zip",
                   help="write a Gradescope autograder bundle of this kit (with --config and --spec-items) "
                        "instead of grading")
    args = p.parse_args(argv)
    modes = [m for m, on in (("--merge", args.merge is not None), ("--gradescope-bundle", args.gradescope_bundle),
                             ("--shard", args.shard is not None)) if on]
    if len(modes) > 1:
        print(f"{PROG}: {' and '.join(modes)} cannot be used together", file=sys.stderr)
        return 2
    if modes and modes[0] != "--shard" and args.submissions:
        print(f"{PROG}: {modes[0]} takes no submissions (given: {' '.join(args.submissions)})", file=sys.stderr)
        return 2
    shard = None
    if args.shard is not None:
        try:
            shard = shards.parse_shard(args.shard)
        except shards.ShardError as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return 2
    if args.merge_mixed and args.merge is None:
        print(f"{PROG}: --merge-mixed goes with --merge", file=sys.stderr)
        return 2
    if args.merge is not None:
        notes: list[str] = []
        try:
            merged = shards.read_shards(args.merge, mixed=args.merge_mixed, notes=notes)
        except shards.ShardError as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return 2
        for note in notes[:5]:
            print(f"note (--merge-mixed): {note}")
        if len(notes) > 5:
            print(f"note (--merge-mixed): ... and {len(notes) - 5} more reports graded differently")
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        write_class_summary(merged, out / "class.csv")
        print(f"merged {len(merged)} submissions from {len(args.merge)} folders: {out / 'class.csv'}")
        return 0
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if args.spec_items is not None:
        words = [w.strip() for w in args.spec_items.split(",") if w.strip()]
        problems = [m for m in map(unknown_selection, words) if m] or ([] if words else ["no item ids given"])
        if problems:
            print(f"{PROG}: --spec-items: {'; '.join(problems)}", file=sys.stderr)
            return 2
    if args.gradescope_bundle:
        from aifund.grader.bundle import BundleError, build_bundle
        only = [w.strip() for w in args.spec_items.split(",") if w.strip()] if args.spec_items else None
        try:
            names = build_bundle(args.gradescope_bundle, args.config, only)
        except (BundleError, OSError) as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return 2
        print(f"Gradescope bundle: {args.gradescope_bundle} ({len(names)} files; "
              f"{'items ' + ','.join(only) if only else 'every spec item'}"
              f"{', config ' + args.config if args.config else ''})")
        return 0
    missing = [s for s in args.submissions if not os.path.lexists(s)]
    if missing:
        print(f"{PROG}: no such file or directory: {untrusted.text(', '.join(map(str, missing)), 1000, lines=False)}",
              file=sys.stderr)
        return 2
    mode = "off" if args.no_sandbox else "require"
    try:
        sandbox.choose(mode)
    except sandbox.SandboxUnavailable as exc:
        print(f"{PROG}: refusing to run untrusted code without a sandbox: {exc}. "
              "Pass --no-sandbox to grade anyway (only code you trust).", file=sys.stderr)
        return 2
    if args.warm_cache:
        warmed = warm_kernel_cache(config, workers=os.cpu_count() or 1)
        passed = sum(1 for v in (warmed.report or {}).get("items", {}).values() if v["status"] == "pass")
        print(f"kernel cache warmed: {grading_kernel_cache()} ({warmed.seconds:.1f} s, "
              f"{passed} items pass on the reference)", flush=True)
        if not args.submissions:
            return 0
    submissions = expand(args.submissions)
    if not submissions:
        if not args.submissions:
            p.print_usage(sys.stderr)
        print(f"{PROG}: no submissions found" + (f" in {', '.join(args.submissions)} (a folder of .py files "
              "or package folders is expected)" if args.submissions else ""), file=sys.stderr)
        return 2
    out = pathlib.Path(args.out)
    only = [w.strip() for w in args.spec_items.split(",") if w.strip()] if args.spec_items else None
    names = shards.report_names(submissions)
    if shard is None:
        for path, name in names.items():
            if name != (path.stem if path.is_file() else path.name):
                print(f"note: {untrusted.text(str(path), 300, lines=False)} is filed as {name}/ (its name was taken "
                      "or not a safe folder name)", flush=True)
    if shard is not None:
        clashes = shards.duplicate_names(submissions)
        if clashes:
            name, paths = sorted(clashes.items())[0]
            print(f"{PROG}: --shard: {len(clashes)} name(s) given to two submissions, e.g. {name!r}: "
                  f"{', '.join(map(str, paths))} (their reports would share DIR/{name})", file=sys.stderr)
            return 2
        everyone, submissions = submissions, shards.select(submissions, *shard)
        shards.write_manifest(out, *shard, everyone, submissions, grading_context(config, only))
        print(f"shard {shard[0]}/{shard[1]}: {len(submissions)} of {len(everyone)} submissions", flush=True)
        if not submissions:
            write_class_summary([], out / "class.csv")
            print(f"class summary: {out / 'class.csv'} (no submissions in this shard)")
            return 0
    jobs = max(1, min(args.jobs, len(submissions)))
    workers = max(1, (os.cpu_count() or 1) // jobs)   # one submission alone gets every core (pytest-xdist)

    def one(path: pathlib.Path) -> dict:
        name = names[path]
        try:
            outcome = grade_submission(path, config, sandbox_mode=mode, reference_visible=args.reference_visible,
                                       workers=workers, only=only)
        except Exception:  # noqa: BLE001 - a bug of the kit on one submission must not stop the class
            outcome = Outcome(problem="the grader failed on this submission (a bug of the kit; staff: see "
                                      "report.json's log):\n" + traceback.format_exc()[-3000:])
        try:
            result = grade(name, outcome, config, only)
        except Exception:  # noqa: BLE001 - the same: this submission gets a failure row, the class goes on
            outcome = Outcome(problem="the grader failed to score this submission (a bug of the kit):\n"
                                      + traceback.format_exc()[-3000:])
            result = grade(name, outcome, config, only)
        result["sandbox"] = untrusted.text(outcome.sandbox, 500) or ("none (--no-sandbox)" if args.no_sandbox
                                                                     else "not started")
        try:
            write_reports(result, out / name)
            # The log holds the submission's printed text: UTF-8 whatever the locale, never an error here.
            (out / name / "grading.log").write_text(outcome.log_tail, encoding="utf-8", errors="backslashreplace")
            print(f"{name}: {result['score']:g} / {result['max_score']:g} ({result['summary']['pass']} items "
                  f"pass, {result['seconds']:g} s"
                  + (f"; library shortcuts: {', '.join(result['shortcuts']['used'])}" if result["shortcuts"]["used"] else "")
                  + f") -> {out / name / 'feedback.md'}", flush=True)
        except OSError as exc:   # a full disk, say: class.csv still gets this submission's row
            print(f"{PROG}: could not write the reports of {name}: {exc}", file=sys.stderr, flush=True)
        return result

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, submissions))
    out.mkdir(parents=True, exist_ok=True)
    write_class_summary(results, out / "class.csv")
    print(f"class summary: {out / 'class.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
