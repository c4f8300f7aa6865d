"""Runs the conformance suite in a fresh process and returns its JSON report.

The meta tests use it to run the suite against mutants and broken modules
exactly as a user would, from the command line.
"""
import json
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]


def clean_env(**extra) -> dict:
    """This environment without what the calling pytest run set for itself (its own options, profile and
    import path), so a subprocess is a user's fresh run; plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "HYPOTHESIS", "PYTHONPATH"))}
    return {**env, **extra}


def run_conformance(impl_path, tmp_path, items=None, extra=(), timeout=600, profile="mutants"):
    out = pathlib.Path(tmp_path) / "conformance.json"
    cmd = [sys.executable, "-m", "pytest", "tests/conformance", "-q", "-p", "no:cacheprovider",
           f"--impl={impl_path}", f"--conformance-json={out}", f"--hypothesis-profile={profile}",
           "--reference-visible", *extra]   # the fixtures and mutants import the reference
    if items:
        cmd.append("--spec-items=" + ",".join(items))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)
    if not out.exists():
        raise AssertionError(f"the suite wrote no report (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text()), proc


def run_batch(jobs: list[dict], tmp_path, timeout=1800) -> dict:
    """Runs tests.meta.batch_runner on jobs [{"name", "impl", "items"}]; returns {name: (report or None, exit code)}."""
    tmp_path = pathlib.Path(tmp_path)
    payload = [{"impl": str(j["impl"]), "items": list(j["items"]), "out": str(tmp_path / f"{j['name']}.json"),
                "extra": list(j.get("extra", ()))} for j in jobs]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    proc = subprocess.run([sys.executable, "-m", "tests.meta.batch_runner"], cwd=REPO, input=json.dumps(payload),
                          capture_output=True, text=True, timeout=timeout, env=env)
    results = {}
    for job, p in zip(jobs, payload):
        out, code = pathlib.Path(p["out"]), pathlib.Path(p["out"] + ".exit")
        results[job["name"]] = (json.loads(out.read_text()) if out.exists() else None,
                                int(code.read_text()) if code.exists() else None)
    results["_output"] = proc.stdout[-5000:] + proc.stderr[-5000:]
    return results
