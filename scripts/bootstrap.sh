#!/usr/bin/env bash
# Makes sure this machine can run the kit: clang (tinygrad's CPU backend
# compiles kernels with it), bubblewrap on Linux (the sandbox around the code
# under test), a Python >= 3.11 virtual environment in .venv,
# and the kit installed into it (editable, every extra; pyproject.toml). Safe to run again: each step
# is skipped when already done. Sourced by ./conformance and ./run-tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)      # tinygrad's CPU backend compiles its kernels with it
if [ "$(uname -s)" = Linux ]; then
    command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)   # the sandbox around the implementation under test
fi
if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1; then
        say "installing ${missing[*]} (clang: tinygrad's kernel compiler; bubblewrap: the sandbox for the code under test)"
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
    else
        say "please install ${missing[*]} with your system's package manager (no apt-get here)"
        command -v clang >/dev/null 2>&1 || exit 1
    fi
fi

# Optional: libLLVM 19 or newer lets tinygrad render the CNN's training kernels with LLVM, a third faster here than
# clang (aifund/training/renderer.py); without it the CNN trains with clang, the same results, slower.
if [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null 2>&1 &&
   ! ldconfig -p 2>/dev/null | grep -Eq 'libLLVM(-19|-2[0-9]|\.so\.(19|2[0-9]))'; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    say "installing libllvm19 (optional: tinygrad's LLVM renderer trains the CNN faster)"
    { [ ${#missing[@]} -gt 0 ] || $SUDO apt-get update -qq >&2; } &&
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libllvm19 >&2 ||
        say "libllvm19 could not be installed: the CNN trains with clang (slower, same results)"
fi

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            PYTHON="$candidate"; break
        fi
    done
fi
[ -n "$PYTHON" ] || { say "need Python >= 3.11 (tinygrad 0.14 requires it); set PYTHON=/path/to/python"; exit 1; }

if [ ! -x .venv/bin/python ]; then
    say "creating a virtual environment in .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi

# uv installs the same requirements as pip from the same places, many times faster (the kit's '.[dev]' into
# a fresh environment on the 2-core CI machine: 56 s with uv, 509 s with pip, measured one after the other on
# 2026-12-04 with other work on the cores). uv does not read pip's configuration, so the indexes and
# find-links pip is configured with here are handed to it; AIFUND_INSTALLER=pip, or any failure of uv, uses pip.
install_kit() {
    if [ "${AIFUND_INSTALLER:-uv}" = uv ] && .venv/bin/python -m pip install --quiet --disable-pip-version-check uv >&2; then
        local args=() value
        for key in index-url extra-index-url find-links; do
            value="$(.venv/bin/python -m pip config get "global.$key" 2>/dev/null || true)"
            for item in $value; do args+=("--$key" "$item"); done
        done
        [ -n "${PIP_INDEX_URL:-}" ] && args+=(--index-url "$PIP_INDEX_URL")
        for item in ${PIP_EXTRA_INDEX_URL:-}; do args+=(--extra-index-url "$item"); done
        for item in ${PIP_FIND_LINKS:-}; do args+=(--find-links "$item"); done
        if .venv/bin/python -m uv pip install --python .venv/bin/python --quiet "${args[@]}" -e ".[dev]" >&2; then
            return 0
        fi
        say "uv could not install the kit; trying pip"
    fi
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]" >&2
}

stamp=".venv/.installed-$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    say "installing the kit into .venv ('.[dev]': torch 2.13.0 CPU, tinygrad 0.14, pytest, hypothesis, the training, edge and test extras; with uv, else pip)"
    install_kit
    # Compiled once, here: uv (unlike pip) writes no .pyc, and the sandboxed workers and grading runs cannot,
    # so every process compiled torch's sources again: torch, tinygrad, numpy and hypothesis imported in 6.3-7.0 s
    # instead of 2.9-3.3 s (idle), and past the 8-s import limit of a busy CI run. About 35 s on 2 cores.
    # Some packages ship files that are not meant to compile, so the exit code says nothing.
    say "compiling the installed packages to bytecode"
    .venv/bin/python -m compileall -q -j 0 "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
        >/dev/null 2>&1 || true
    rm -f .venv/.installed-* && touch "$stamp"
fi

# The project's own modules, compiled once here: the sandboxed workers import aifund and the reference from a
# read-only mount, where Python cannot write the .pyc it would otherwise keep (a no-op when they are current).
.venv/bin/python -m compileall -q -j 0 aifund impl impl_torch >/dev/null || say "could not precompile the kit's modules"
