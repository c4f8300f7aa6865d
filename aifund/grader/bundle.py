"""A Gradescope autograder bundle of this kit: ``./grade --gradescope-bundle FILE.zip [--config C] [--spec-items I]``.

The zip holds, at its top (Gradescope unpacks it into /autograder/source):

    setup.sh          run once when Gradescope builds the image: clang, bubblewrap, Python >= 3.11, kit/.venv
    run_autograder    run for every submission: grades /autograder/submission, writes /autograder/results/results.json
    bundle.json       what the bundle grades: the spec items (--spec-items), whether a course config is included, and
                      its framework and shortcut policy (for a person to read; the grade takes them from course.toml)
    course.toml       the course config (--config), when one was given
    kit/              the kit's source the package is built from (aifund/, spec/, impl/, impl_torch/, tests/conformance/,
                      pyproject.toml, README.md); setup.sh installs it with pip

From a clone, kit/ is the source tree's files (git's list, or a walk). From an installed kit (a wheel, no
source tree beside the package), kit/ is the installed package folder aifund/ as it is (its spec,
conformance tests and reference are subpackages there) with a pyproject.toml written from the installed
distribution's metadata (version, dependencies, entry points) and its README, so setup.sh installs the
same package either way (installed_kit_files).

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

KIT = pathlib.Path(__file__).resolve().parents[2]   # a clone's source tree, or site-packages for an installed kit
PACKAGE = pathlib.Path(__file__).resolve().parents[1]   # the package folder aifund/ (installed or in a clone)

# What the package aifund is built from (pyproject.toml): the grader, sandbox, worker and checks (aifund/), the
# spec, the reference (the kernel-cache warm-up uses it), the conformance tests, and the project files.
KIT_DIRS = ("aifund/", "spec/", "impl/", "impl_torch/", "tests/conformance/")
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
        raise BundleError(f"--gradescope-bundle: {kit} is not a whole source tree of the kit; it lacks "
                          + ", ".join(missing))
    return out


def is_source_tree(kit: pathlib.Path) -> bool:
    """A clone (or an unpacked source): the project file that builds the package aifund is there."""
    try:
        return tomllib.loads((kit / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"] == "aifund"
    except (OSError, ValueError, KeyError, TypeError):
        return False


def installed_kit_files(package: pathlib.Path = PACKAGE) -> tuple[dict[str, bytes], str]:
    """({name under kit/: bytes}, version) of an installed kit: the package folder as installed, and a
    pyproject.toml and README.md from its distribution's metadata."""
    from importlib.metadata import PackageNotFoundError, distribution
    try:
        dist = distribution("aifund")
    except PackageNotFoundError:
        raise BundleError("--gradescope-bundle: the package aifund is neither in a source tree (a clone) nor "
                          "installed") from None
    files: dict[str, bytes] = {}
    for root, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_PARTS and not d.startswith("."))
        for name in sorted(names):
            path = pathlib.Path(root) / name
            rel = "aifund/" + path.relative_to(package).as_posix()
            if _wanted(rel) and path.is_file() and not path.is_symlink():
                files[rel] = path.read_bytes()
    needed = [f for f in ("aifund/grader/__main__.py", "aifund/grader/autograde.py", "aifund/kit/plugin.py",
                          "aifund/kit/pytest.ini", "aifund/conformance/__init__.py", "aifund/spec/__init__.py")
              if f not in files]
    if needed:
        raise BundleError(f"--gradescope-bundle: the installed package {package} lacks {', '.join(needed)}")
    packages = sorted(rel[:-len("/__init__.py")].replace("/", ".") for rel in files if rel.endswith("/__init__.py"))
    requires = [r for r in (dist.requires or []) if "extra ==" not in r.replace('"', "").replace("'", "")]
    groups: dict[str, list[str]] = {}
    for ep in dist.entry_points:
        if ep.group in ("console_scripts", "pytest11"):
            groups.setdefault(ep.group, []).append(f"{json.dumps(ep.name)} = {json.dumps(ep.value)}")
    meta = dist.metadata
    files["pyproject.toml"] = "\n".join([
        "# Written by aifund-grade --gradescope-bundle from the installed package aifund (its metadata).",
        "[build-system]", 'requires = ["setuptools>=68"]', 'build-backend = "setuptools.build_meta"', "",
        "[project]", f"name = {json.dumps(meta['Name'])}", f"version = {json.dumps(dist.version)}",
        f"description = {json.dumps(meta['Summary'] or '')}", 'readme = "README.md"',
        f"requires-python = {json.dumps(meta['Requires-Python'] or '>=3.11')}",
        f"dependencies = {json.dumps(requires)}", "",
        "[project.scripts]", *sorted(groups.get("console_scripts", [])), "",
        "[project.entry-points.pytest11]", *sorted(groups.get("pytest11", [])), "",
        "[tool.setuptools]", f"packages = {json.dumps(packages)}", "",
        "[tool.setuptools.package-data]", '"*" = ["*.toml", "*.md", "*.ini"]', ""]).encode()
    readme = meta.get_payload() if hasattr(meta, "get_payload") else ""
    files["README.md"] = (readme or meta["Description"] or "The aifund conformance kit.\n").encode()
    return files, dist.version


def build_bundle(dest: str | pathlib.Path, config_path: str | pathlib.Path | None = None,
                 only: list[str] | None = None, kit: pathlib.Path | None = None) -> list[str]:
    """Writes the bundle zip; returns the names in it. The config and items must have been checked already.
    ``kit``: a source tree to bundle (default: this kit's clone, or the installed package when there is none)."""
    dest = pathlib.Path(dest)
    if dest.suffix.lower() != ".zip":
        raise BundleError(f"--gradescope-bundle {dest}: the bundle is a .zip file (Gradescope's upload)")
    if dest.is_dir():
        raise BundleError(f"--gradescope-bundle {dest}: is a folder; name the .zip file to write")
    if kit is None and not is_source_tree(KIT):
        contents, version = installed_kit_files()
        files = sorted(contents)
    else:
        kit = KIT if kit is None else kit
        files = kit_files(kit)
        contents = {rel: (kit / rel).read_bytes() for rel in files}
        version = tomllib.loads((kit / "pyproject.toml").read_text())["project"]["version"]
    config_text = pathlib.Path(config_path).read_bytes() if config_path else None
    from aifund.grader.config import load_config
    course = load_config(config_path)
    manifest = {"kit_version": version, "config": "course.toml" if config_text is not None else None,
                "framework": course.framework, "shortcuts": course.shortcuts.as_dict(),
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
                add(f"kit/{rel}", contents[rel])
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return names
