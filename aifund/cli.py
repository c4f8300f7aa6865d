"""``aifund-conformance``: check an implementation against every spec item and print the per-item report.

The options below are the plugin's (``pytest --impl FILE`` does the same from any folder); any other
option is handed to pytest as it is (-k, -x, --hypothesis-seed, ...).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from aifund import __version__
from aifund.closed_pipe import quiet

EPILOG = ("Exit status: 0 when every selected item passes; 1 when any is fail, error or missing (missing "
          "allowed with --partial); 4 for bad input (an unknown item id, a missing --impl). Any option not "
          "listed here goes to pytest. List the items with `aifund-contract items`.")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aifund-conformance", description=__doc__.splitlines()[0], epilog=EPILOG,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--impl", default=None, metavar="PATH",
                   help="the module under test: a .py file or a package folder, relative to this folder "
                        "(default: the kit's reference implementation)")
    p.add_argument("--spec-items", default=None, metavar="ID,ID",
                   help="only these items: comma-separated ids, or prefixes ending in '.' (act.softmax.)")
    p.add_argument("--partial", action="store_true", help="items the module lacks (missing) do not fail the run")
    p.add_argument("--conformance-json", default=None, metavar="FILE", help="also write the report as JSON")
    p.add_argument("--hypothesis-profile", default="ci", choices=("ci", "thorough", "explore"),
                   help="how many cases: ci (a dozen per test, the same every run), thorough or explore (random, many)")
    p.add_argument("--example-db", default=None, metavar="DIR",
                   help="Hypothesis example database: failures found are saved there and replayed first by later "
                        "runs (default: .aifund-examples beside --impl; for the reference, the kit's "
                        ".hypothesis/aifund-examples). AIFUND_SHARED_EXAMPLES=owner/repo also reads a team's "
                        "database, the artifact hypothesis-example-db of that repository, read-only")
    p.add_argument("--sandbox", default="auto", choices=("auto", "require", "off"),
                   help="run the implementation in bubblewrap: where the machine has it, always, or never")
    p.add_argument("--device-gates", default=None, choices=("cpu", "cuda", "jetson"), metavar="PROFILE",
                   help="instead of the spec checks, run the absolute latency gates of this device profile (cpu, "
                        "cuda, jetson; aifund.edge.latency_gates, in this process); refuses (exit 4) on a machine "
                        "of another kind")
    p.add_argument("-n", "--jobs", default="auto", metavar="N",
                   help="test processes (pytest-xdist); 'auto' is one per core, 0 runs in this process")
    return p


@quiet
def conformance(argv: list[str] | None = None) -> int:
    args, rest = parser().parse_known_args(argv)
    import pytest
    if args.device_gates:
        return device_gates(args.device_gates, rest)
    tests = importlib.util.find_spec("aifund.conformance").submodule_search_locations[0]   # not imported here
    pytest_args = [tests, "-q", "-p", "no:cacheprovider", f"--sandbox={args.sandbox}",
                   f"--hypothesis-profile={args.hypothesis_profile}"]
    if args.jobs not in ("0", 0):
        pytest_args += ["-n", str(args.jobs)]
    for flag, value in (("--impl", args.impl), ("--spec-items", args.spec_items),
                        ("--conformance-json", args.conformance_json), ("--example-db", args.example_db)):
        if value is not None:
            pytest_args.append(f"{flag}={value}")
    if args.partial:
        pytest_args.append("--partial")
    # the tests' folder is the root of this run, so a pytest configuration in the caller's folder plays no part
    pytest_args += ["--rootdir", tests, "-c", os.devnull] + rest
    print(f"[conformance] the spec checks on {args.jobs} process(es): {' '.join(pytest_args[1:])}", file=sys.stderr)
    return int(pytest.main(pytest_args))


def device_gates(profile: str, rest: list[str]) -> int:
    """pytest --pyargs aifund.edge.latency_gates -m PROFILE --require-device=PROFILE, rooted in the package."""
    import pytest
    gates = importlib.util.find_spec("aifund.edge.latency_gates").origin   # not imported here
    pytest_args = [gates, "-q", "-p", "no:cacheprovider", "-m", profile, f"--require-device={profile}",
                   "--rootdir", os.path.dirname(gates), "-c", os.devnull] + rest
    print(f"[conformance] the {profile} latency gates: {' '.join(pytest_args)}", file=sys.stderr)
    return int(pytest.main(pytest_args))


if __name__ == "__main__":
    sys.exit(conformance())
