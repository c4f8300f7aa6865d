"""A fresh virtual environment with the kit installed from a wheel or a source folder, as a user's would be.

Its third-party packages (torch, tinygrad, ...) are borrowed from the kit's own environment through one .pth
line: a folder added that way is on the path, but the .pth files inside it are not run, so the kit's own
editable install (a .pth there) plays no part and only the freshly installed package aifund is found.
"""
import pathlib
import subprocess
import sys
import sysconfig


def fresh_env(where: pathlib.Path, install: pathlib.Path) -> pathlib.Path:
    """Creates the environment at ``where`` and pip-installs ``install`` (a wheel, or a folder with pyproject.toml)
    into it without dependencies and without network; returns its python. (--ignore-installed: the borrowed
    folder holds the kit's own editable install, which pip would otherwise take for this one.)"""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    python = where / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    (pathlib.Path(site) / "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--ignore-installed",
                           "--no-build-isolation", "--quiet", "--disable-pip-version-check", str(install)],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise AssertionError(f"pip install {install} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return python
