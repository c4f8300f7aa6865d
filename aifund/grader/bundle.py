"""A Gradescope autograder bundle of this kit: ``./grade --gradescope-bundle FILE.zip [--config C] [--spec-items I]``.

The zip holds, at its top (Gradescope unpacks it into /autograder/source):

    setup.sh          run once when Gradescope builds the image: clang, bubblewrap, Python >= 3.11, kit/.venv
    run_autograder    run for every submission: grades /autograder/submission, writes /autograder/results/results.json
    bundle.json       what the bundle grades: the spec items (--spec-items) and whether a course config is included
    course.toml       the course config (--config), when one was given
    kit/              the kit's source the package is built from (aifund/, spec/, impl/, tests/conformance/,
                      pyproject.toml, README.md); setup.sh installs it with pip

run_autograder is a thin shell script; the work is ``python -m aifund.grader.bundle autograde`` (``autograde`` below),
which finds the submission, grades it with ``python -m aifund.grader`` (the same command as ./grade) and writes
Gradescope's results.json. It honours AUTOGRADER_ROOT (default /autograder) and KIT_PYTHON (default the venv
setup.sh made), so it can be tried anywhere.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile

KIT = pathlib.Path(__file__).resolve().parents[2]   # the kit's source tree (a clone), which the bundle carries

# What the package aifund is built from (pyproject.toml): the grader, sandbox, worker and checks (aifund/), the
# spec, the reference (the kernel-cache warm-up uses it), the conformance tests, and the project files.
KIT_DIRS = ("aifund/", "spec/", "impl/", "tests/conformance/")
KIT_FILES = ("pyproject.toml", "README.md")
SKIP_PARTS = {"__pycache__", ".venv", ".git", "runs", "reports", ".pytest_cache", ".hypothesis", ".tox"}
EXECUTABLE = {"setup.sh", "run_autograder"}
ZIP_TIME = (1980, 1, 1, 0, 0, 0)   # fixed, so the same kit and options give the same bytes


class BundleError(ValueError):
    """A bundle that cannot be built; the message is one line."""


def _wanted(rel: str) -> bool:
    parts = rel.split("/")
    if any(p in SKIP_PARTS for p in parts) or rel.endswith((".pyc", ".pyo")):
        return False
    return rel in KIT_FILES or rel.startswith(KIT_DIRS)


def kit_files(kit: pathlib.Path = KIT) -> list[str]:
    """The kit's files to bundle, relative to kit: from git (tracked, and new files git does not ignore) in a
    git checkout, else from a walk of the folders."""
    listed = None
    if shutil.which("git") and (kit / ".git").exists():
        done = subprocess.run(["git", "-C", str(kit), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                              capture_output=True, timeout=60)
        if done.returncode == 0:
            listed = [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p]
    if listed is None:
        listed = []
        for root, dirs, files in os.walk(kit):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_PARTS and not d.startswith("."))
            listed += [(pathlib.Path(root) / f).relative_to(kit).as_posix() for f in files]
    out = []
    for rel in sorted(set(listed)):
        path = kit / rel
        if _wanted(rel) and path.is_file() and not path.is_symlink():   # a deleted tracked file is skipped
            out.append(rel)
    missing = [f for f in ("aifund/grader/__main__.py", "aifund/grader/bundle.py", "aifund/kit/plugin.py",
                           "pyproject.toml", "README.md") if f not in out]
    if missing:
        raise BundleError(f"--gradescope-bundle: needs the kit's source tree (a clone); {kit} lacks "
                          + ", ".join(missing))
    return out


SETUP_SH = r'''#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (with network access); the image is
# then used for every submission. What it needs:
#   - Base image: Ubuntu 22.04 or 24.04 (Autograder Settings). The kit needs Python >= 3.11 (tinygrad 0.14).
#     The image's python3 is used when it is >= 3.11 (24.04: 3.12). Otherwise apt's python3.11 package is
#     installed (22.04: universe, python3.11 + python3.11-venv). The deadsnakes PPA is not used: it is not
#     reachable from every image build. On 20.04 and older apt has no Python >= 3.11 and this script stops
#     with a message; set PYTHON=/path/to/python3.11 (installed by an earlier step of your own) to use another.
#   - clang: tinygrad's CPU backend compiles its kernels with it.
#   - bubblewrap (and util-linux's unshare and setpriv): the sandbox around each submission, where the
#     container lets it create namespaces (run_autograder says which way each submission was graded).
#   - PyPI, for the kit itself (pip install kit/, which builds the package aifund from the bundled source)
#     and its dependencies, installed into kit/.venv; torch first, with
#     PyTorch's CPU-only index added (TORCH_INDEX_URL; its "+cpu" build wins over PyPI's when both have the
#     pinned version; set it empty to take PyPI's torch, which pulls several GB of CUDA libraries).
# Also in Autograder Settings: the assignment's points = the course config's [limits] max_score (default 100),
# an autograder timeout above its [limits] submission_timeout (default 900 s), and a few GB of memory
# (the grading process and the submission's worker each load numpy, tinygrad and torch).
# No kernel cache is prepared here: tinygrad compiles for the CPU it runs on (-march=native), and the
# machine that builds the image need not be the one that grades.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KIT="$SOURCE/kit"
say() { echo "[setup.sh] $*" >&2; }
export DEBIAN_FRONTEND=noninteractive

say "installing clang, bubblewrap and util-linux"
apt-get update -qq
apt-get install -y -qq clang bubblewrap util-linux ca-certificates

is_311() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    if command -v python3 >/dev/null 2>&1 && is_311 python3; then
        PYTHON="$(command -v python3)"
        v="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        # venv needs ensurepip, which Debian and Ubuntu ship apart
        apt-get install -y -qq "python$v-venv" >/dev/null 2>&1 || apt-get install -y -qq python3-venv || true
    elif apt-get install -y -qq python3.11 python3.11-venv; then
        PYTHON="$(command -v python3.11)"
    fi
fi
if [ -z "$PYTHON" ] || ! is_311 "$PYTHON"; then
    say "ERROR: no Python >= 3.11: the image's python3 is $(python3 --version 2>&1 || echo missing) and apt has no"
    say "python3.11 package. Choose Ubuntu 22.04 or 24.04 as the base image, or set PYTHON=/path/to/python3.11."
    exit 1
fi
say "creating $KIT/.venv with $("$PYTHON" --version)"
"$PYTHON" -m venv "$KIT/.venv" || {
    say "ERROR: $PYTHON -m venv failed (Ubuntu: apt-get install python3.X-venv for that Python)"; exit 1; }
VPY="$KIT/.venv/bin/python"
TORCH_INDEX_URL="${TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}"
TORCH_REQ="$("$VPY" - "$KIT/pyproject.toml" <<'PY'
import re, sys, tomllib
with open(sys.argv[1], "rb") as f:
    print(next((d for d in tomllib.load(f)["project"]["dependencies"] if re.match(r"torch\b", d)), ""))
PY
)"
if [ -n "$TORCH_REQ" ] && [ -n "$TORCH_INDEX_URL" ]; then
    say "installing $TORCH_REQ from $TORCH_INDEX_URL (CPU only)"
    "$VPY" -m pip install --quiet --disable-pip-version-check "$TORCH_REQ" --extra-index-url "$TORCH_INDEX_URL" ||
        say "not found there; PyPI's torch will be installed"
fi
say "installing the kit and its dependencies (pip install kit/)"
"$VPY" -m pip install --quiet --disable-pip-version-check "$KIT"
chmod +x "$SOURCE/run_autograder"
[ -e /autograder/run_autograder ] && chmod +x /autograder/run_autograder || true
"$VPY" -c 'import numpy, tinygrad, torch, pytest, hypothesis, xdist, aifund.grader' && say "the kit's packages import"
"$VPY" -c 'from aifund import sandbox
reason = sandbox.probe()
print("[setup.sh] sandbox:", "bubblewrap works here" if reason is None else
      f"{reason}; each submission will be graded with --no-sandbox (see run_autograder)")' >&2
'''

RUN_AUTOGRADER = r'''#!/usr/bin/env bash
# Gradescope runs this for every submission, as root, in a fresh container made from the image setup.sh built.
# It copies this file to /autograder/run_autograder first, so the kit is found from AUTOGRADER_ROOT, never
# from this file's own place.
#   AUTOGRADER_ROOT   default /autograder: ROOT/submission is graded, ROOT/results/results.json is written,
#                     ROOT/source is this bundle (source/kit the kit, source/bundle.json what it grades)
#   KIT_PYTHON        default ROOT/source/kit/.venv/bin/python (the venv setup.sh made)
# The submission (ROOT/submission) is one .py file, or one package folder, or the folder itself when it has an
# __init__.py at its top; anything else (nothing, or several candidates) scores 0 with a message saying why.
#
# The sandbox: each submission's code runs in bubblewrap (no network, a read-only view, its own user), as with
# ./grade. Gradescope's containers may not allow the namespaces bubblewrap needs (unprivileged user namespaces
# or unshare are often blocked in Docker); then the submission is graded with --no-sandbox and results.json's
# "output" says so. The isolation is then the container: Gradescope grades every submission in a fresh
# container of its own, so submissions cannot see or disturb each other or the next grade. What the container
# does not give is a wall between the submission and this grade: code run as root in the same container could
# tamper with the kit or the results file, which the sandbox prevents. Where that matters, use a container
# setting that allows user namespaces, or grade with ./grade on a machine of your own.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
KIT="$ROOT/source/kit"
PY="${KIT_PYTHON:-$KIT/.venv/bin/python}"
mkdir -p "$ROOT/results"
not_set_up() {   # results.json without Python: Gradescope shows this message instead of a bare failure
    echo "run_autograder: $1 (did setup.sh fail? see the image build log)" >&2
    printf '%s\n' '{"score": 0, "tests": [], "stdout_visibility": "hidden", "output": "The autograder is not set up (its Python environment or kit is missing), so this submission was not graded. Please tell the course staff."}' > "$ROOT/results/results.json"
    exit 1
}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 || not_set_up "no Python >= 3.11 at $PY"
"$PY" -c 'import aifund.grader.bundle' >/dev/null 2>&1 || not_set_up "the kit is not installed for $PY"
cd "$ROOT" && exec "$PY" -m aifund.grader.bundle autograde --root "$ROOT"
'''


def build_bundle(dest: str | pathlib.Path, config_path: str | pathlib.Path | None = None,
                 only: list[str] | None = None, kit: pathlib.Path = KIT) -> list[str]:
    """Writes the bundle zip; returns the names in it. The config and items must have been checked already."""
    dest = pathlib.Path(dest)
    if dest.suffix.lower() != ".zip":
        raise BundleError(f"--gradescope-bundle {dest}: the bundle is a .zip file (Gradescope's upload)")
    if dest.is_dir():
        raise BundleError(f"--gradescope-bundle {dest}: is a folder; name the .zip file to write")
    files = kit_files(kit)
    config_text = pathlib.Path(config_path).read_bytes() if config_path else None
    version = tomllib.loads((kit / "pyproject.toml").read_text())["project"]["version"]
    manifest = {"kit_version": version, "config": "course.toml" if config_text is not None else None,
                "spec_items": list(only) if only else None, "kit_files": len(files)}
    dest.parent.mkdir(parents=True, exist_ok=True)
    names = []
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", suffix=".zip", dir=dest.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            def add(name: str, data: bytes):
                info = zipfile.ZipInfo(name, ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = ((0o755 if name in EXECUTABLE else 0o644) | 0o100000) << 16
                z.writestr(info, data)
                names.append(name)
            add("setup.sh", SETUP_SH.encode())
            add("run_autograder", RUN_AUTOGRADER.encode())
            add("bundle.json", (json.dumps(manifest, indent=2) + "\n").encode())
            if config_text is not None:
                add("course.toml", config_text)
            for rel in files:
                add(f"kit/{rel}", (kit / rel).read_bytes())
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return names


# ---------------------------------------------------------------- in the Gradescope container

IGNORED = {"__MACOSX", "__pycache__"}


class NotGradable(Exception):
    """The submission folder holds nothing to grade, or several things; the message is for the student."""


def find_submission(folder: pathlib.Path) -> pathlib.Path:
    """The .py file or package to grade in Gradescope's submission folder."""
    if not folder.is_dir():
        raise NotGradable("No submission was found (the submission folder is missing).")
    if (folder / "__init__.py").is_file():
        return folder                    # the upload is the package itself
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in IGNORED)
    files = [p for p in entries if p.suffix == ".py" and p.is_file() and not p.is_symlink()]
    packages = [p for p in entries if p.is_dir() and not p.is_symlink() and (p / "__init__.py").is_file()]
    candidates = files + packages
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        seen = ", ".join(p.name + ("/" if p.is_dir() else "") for p in entries[:10]) or "nothing"
        raise NotGradable("Nothing to grade: upload one .py file, or the files of one Python package (with its "
                          f"__init__.py), or one package folder. The upload holds: {seen}.")
    raise NotGradable("The upload is ambiguous: it holds several things that could be graded ("
                      + ", ".join(p.name + ("/" if p.is_dir() else "") for p in candidates[:10])
                      + "). Upload one .py file, or one package (a folder with __init__.py, or its files with "
                        "__init__.py at the top).")


def _failure(message: str) -> dict:
    return {"score": 0, "tests": [], "output": message, "stdout_visibility": "hidden"}


def autograde(root: pathlib.Path, probe=None) -> int:
    """Grades ROOT/submission with ROOT/source's bundle; writes ROOT/results/results.json. Returns the exit code."""
    from aifund import sandbox
    probe = probe or sandbox.probe
    source = root / "source"
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)

    def write(data: dict):
        results.write_text(json.dumps(data, indent=2) + "\n")

    try:
        manifest = json.loads((source / "bundle.json").read_text())
    except (OSError, ValueError) as exc:
        print(f"autograde: cannot read {source / 'bundle.json'}: {exc}", file=sys.stderr)
        write(_failure("The autograder is not set up (its bundle.json is missing), so this submission was not "
                       "graded. Please tell the course staff."))
        return 1
    try:
        submission = find_submission(root / "submission")
    except NotGradable as exc:
        write(_failure(str(exc)))
        return 0
    no_sandbox = probe()
    cmd = [sys.executable, "-m", "aifund.grader", str(submission), "--jobs", "1"]
    if manifest.get("config"):
        cmd += ["--config", str(source / manifest["config"])]
    if manifest.get("spec_items"):
        cmd += ["--spec-items", ",".join(manifest["spec_items"])]
    if no_sandbox:
        cmd.append("--no-sandbox")
    kit = pathlib.Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
        cmd += ["--out", tmp]
        print(f"autograde: kit {kit}\nautograde: " + " ".join(cmd), flush=True)
        done = subprocess.run(cmd, cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        print(done.stdout[-20000:], done.stderr[-20000:], sep="\n", flush=True)   # Gradescope's staff-only stdout
        graded = [d for d in pathlib.Path(tmp).iterdir() if (d / "results.json").is_file()]
        if done.returncode != 0 or len(graded) != 1:
            # The submission was found above, so a refusal of ./grade here (a bad course config, the sandbox) or
            # a crash is the autograder's problem, not the student's; its stderr is in the staff-only stdout.
            write(_failure("The autograder could not grade this submission (a problem of the autograder, not "
                           "of your code). Please tell the course staff."))
            return 1
        data = json.loads((graded[0] / "results.json").read_text())
        report = json.loads((graded[0] / "report.json").read_text())
    notes = [data.get("output", "")]
    if report.get("problem"):   # its first line: a kit failure's traceback is for staff (report.json, stdout)
        notes.append(f"Note: {report['problem'].splitlines()[0]}")
    if report.get("copy_notes"):
        notes.append("Files of the submission that were not used:\n" + "\n".join(f"- {n}" for n in report["copy_notes"]))
    if no_sandbox:
        notes.append(f"Graded without the bubblewrap sandbox ({no_sandbox}); this submission ran in a fresh "
                     "Gradescope container of its own, which isolates it from other submissions.")
    data["output"] = "\n\n".join(n for n in notes if n)
    data["stdout_visibility"] = "hidden"
    write(data)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m aifund.grader.bundle", description="Gradescope side of the bundle")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("autograde", help="grade ROOT/submission, write ROOT/results/results.json")
    a.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT") or "/autograder")
    args = p.parse_args(argv)
    return autograde(pathlib.Path(args.root))


if __name__ == "__main__":
    raise SystemExit(main())
