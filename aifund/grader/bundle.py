"""A Gradescope autograder bundle of this kit: ``./grade --gradescope-bundle FILE.zip [--config C] [--spec-items I]``.

The zip holds, at its top (Gradescope unpacks it into /autograder/source):

    setup.sh          run once when Gradescope builds the image: clang, bubblewrap, Python >= 3.11, kit/.venv
    run_autograder    run for every submission: grades /autograder/submission, writes /autograder/results/results.json
    bundle.json       what the bundle grades: the spec items (--spec-items) and whether a course config is included
    course.toml       the course config (--config), when one was given
    kit/              the kit's source the package is built from (aifund/, spec/, impl/, tests/conformance/,
                      pyproject.toml, README.md); setup.sh installs it with pip

run_autograder is a thin shell script (bundle_scripts.py); the work is ``python -m aifund.grader.autograde
autograde`` (grader/autograde.py), which finds the submission, grades it with ``python -m aifund.grader`` (the same
command as ./grade) and writes Gradescope's results.json. It honours AUTOGRADER_ROOT (default /autograder) and
KIT_PYTHON (default the venv setup.sh made), so it can be tried anywhere.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import tomllib
import zipfile

from aifund.grader.bundle_scripts import RUN_AUTOGRADER, SETUP_SH

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
    missing = [f for f in ("aifund/grader/__main__.py", "aifund/grader/autograde.py", "aifund/kit/plugin.py",
                           "pyproject.toml", "README.md") if f not in out]
    if missing:
        raise BundleError(f"--gradescope-bundle: needs the kit's source tree (a clone); {kit} lacks "
                          + ", ".join(missing))
    return out


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
