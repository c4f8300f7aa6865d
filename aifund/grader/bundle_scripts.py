"""The two shell scripts a Gradescope bundle carries at its top (see bundle.py): setup.sh, run once when
Gradescope builds the image, and run_autograder, run for every submission. Text only: nothing here runs them."""

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
"$PY" -c 'import aifund.grader.autograde' >/dev/null 2>&1 || not_set_up "the kit is not installed for $PY"
cd "$ROOT" && exec "$PY" -m aifund.grader.autograde autograde --root "$ROOT"
'''
