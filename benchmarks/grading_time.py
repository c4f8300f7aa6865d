"""Grading time per submission, against the plain conformance run on the same code, in one run.

    .venv/bin/python -m benchmarks.grading_time [--mutants 4] [--spec-items IDS] [--json reports/grading_time.json]

1. Warms the grader's kernel cache by grading the reference once (what
   ``./grade --warm-cache`` does; on a fresh machine this is where tinygrad
   compiles its kernels).
2. The peer: ``pytest tests/conformance --impl impl -n CORES`` with the grading
   Hypothesis profile and the same settings (the suite without the grader's
   copy, limits and reports), and ./conformance's own run (the ci profile).
3. Grades the reference and ``--mutants`` whole-suite mutants one at a time,
   each with every core, as ``./grade FILE`` does: seconds per submission.
4. Grades the same set as one folder, submissions in parallel (``./grade DIR``):
   seconds per submission of wall time.

Prints a table with the ratio grading / plain run and the 60 s target per
submission; the machine is whatever runs it (say which when quoting).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time

from aifund.grader.config import load_config
from aifund.grader.report import grade
from aifund.grader.run import grade_submission, grading_kernel_cache, warm_kernel_cache

KIT = pathlib.Path(__file__).resolve().parents[1]   # the checkout: tests/mutants, impl/, tests/conformance

TARGET_S = 30.0              # ./grade, one submission, all items, warm kernel cache
CONFORMANCE_TARGET_S = 60.0  # ./conformance on the reference (ci profile), warm kernel cache
SAMPLE = ["softmax_no_shift", "adam_no_bias_correction", "conv_flipped_kernel", "quantize_floor",
          "mlp_no_hidden_activation", "momentum_no_dampening"]


def mutants(n: int) -> list[pathlib.Path]:
    folder = KIT / "tests" / "mutants"
    chosen = [folder / f"{m}.py" for m in SAMPLE if (folder / f"{m}.py").is_file()]
    chosen += sorted(p for p in folder.glob("*.py") if p.name != "__init__.py" and p not in chosen)
    return chosen[:n]


def plain_run(cores: int, profile: str = "grading", spec_items: str | None = None) -> float:
    """The suite on the reference without the grader around it (the peer); ``ci`` is what ./conformance runs."""
    env = dict(os.environ, GRADING_MAX_EXAMPLES=str(load_config(None).limits.max_examples))
    if profile == "grading":
        env.update(NOOPT="1", PARALLEL="0")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "tests/conformance", "-q", "-p", "no:cacheprovider",
                    f"--hypothesis-profile={profile}", "-n", str(cores) if cores > 1 else "0",
                    *([f"--spec-items={spec_items}"] if spec_items else [])], cwd=KIT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mutants", type=int, default=4, help="how many mutants to grade besides the reference")
    p.add_argument("--spec-items", default=None,
                   help="time only these items (comma-separated ids or prefixes ending in '.'); default: all")
    p.add_argument("--cores", type=int, default=os.cpu_count() or 1,
                   help="processes for every run (the plain runs' -n, the grader's workers); default: every core")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    cores = args.cores
    config = load_config(None)
    only = args.spec_items.split(",") if args.spec_items else None
    rows = {}

    start = time.perf_counter()
    warm_kernel_cache(config, workers=cores, only=only)
    rows["warm the kernel cache (reference, once per machine)"] = time.perf_counter() - start
    print(f"  warm-up: {rows['warm the kernel cache (reference, once per machine)']:.1f} s", flush=True)
    rows["./conformance (reference, ci profile)"] = plain_run(cores, "ci", args.spec_items)
    print(f"  ./conformance: {rows['./conformance (reference, ci profile)']:.1f} s", flush=True)
    rows["plain conformance run (peer), reference"] = plain_run(cores, spec_items=args.spec_items)
    print(f"  plain run: {rows['plain conformance run (peer), reference']:.1f} s", flush=True)

    subs = [KIT / "impl"] + mutants(args.mutants)
    one_at_a_time = {}
    for sub in subs:
        outcome = grade_submission(sub, config, reference_visible=True, workers=cores, only=only)
        result = grade(sub.stem if sub.is_file() else sub.name, outcome, config)
        one_at_a_time[result["submission"]] = {"seconds": outcome.seconds, "score": result["score"]}
        rows[f"./grade {result['submission']} (score {result['score']:g})"] = outcome.seconds
        print(f"  {result['submission']}: {outcome.seconds:.1f} s, score {result['score']:g}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "aifund.grader", *map(str, subs), "--out", tmp, "--reference-visible", "--jobs", str(cores),
                        *([f"--spec-items={args.spec_items}"] if args.spec_items else [])],
                       cwd=KIT, check=True, stdout=subprocess.DEVNULL)
        folder_seconds = time.perf_counter() - start
    rows[f"./grade on {len(subs)} submissions in parallel, per submission"] = folder_seconds / len(subs)

    peer = rows["plain conformance run (peer), reference"]
    print(f"{'what':<62} {'seconds':>8} {'x plain run':>12}")
    for what, seconds in rows.items():
        print(f"{what:<62} {seconds:8.1f} {seconds / peer:12.2f}")
    worst = max(v["seconds"] for v in one_at_a_time.values())
    verdict = "met" if worst <= TARGET_S else "NOT met"
    conformance = rows["./conformance (reference, ci profile)"]
    print(f"slowest single submission {worst:.1f} s: {TARGET_S:g} s target {verdict}; ./conformance "
          f"{conformance:.1f} s: {CONFORMANCE_TARGET_S:g} s target {'met' if conformance <= CONFORMANCE_TARGET_S else 'NOT met'} "
          f"({cores} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()})")
    if args.json:
        path = pathlib.Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"rows": rows, "submissions": one_at_a_time, "cores": cores,
                                    "target_s": TARGET_S, "python": platform.python_version()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
