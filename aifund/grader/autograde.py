"""What a Gradescope bundle runs in the container for each submission (run_autograder calls it):
``python -m aifund.grader.autograde autograde [--root ROOT]`` finds the submission, grades it with
``python -m aifund.grader`` (the same command as ./grade) and writes Gradescope's results.json. It never
decides a score itself: that is the grade's; it only finds what to grade and passes the results on.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

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


TEXT_FORMAT = {"output_format": "text", "test_output_format": "text", "test_name_format": "text"}


def _failure(message: str) -> dict:
    return {"score": 0, "tests": [], "output": message, **TEXT_FORMAT, "stdout_visibility": "hidden"}


def autograde(root: pathlib.Path, probe=None) -> int:
    """Grades ROOT/submission with ROOT/source's bundle; writes ROOT/results/results.json. Returns the exit code."""
    from aifund import sandbox, untrusted
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
    text = untrusted.text
    notes = [text(data.get("output"), 5000)]
    problem = text(report.get("problem"), 5000)
    if problem:   # its first line: a kit failure's traceback is for staff (report.json, stdout)
        notes.append(f"Note: {problem.splitlines()[0]}")
    copy_notes = report.get("copy_notes") if isinstance(report.get("copy_notes"), list) else []
    if copy_notes:
        notes.append("Files of the submission that were not used:\n"
                     + "\n".join(f"- {text(n, 500)}" for n in copy_notes[:100]))
    if no_sandbox:
        notes.append(f"Graded without the bubblewrap sandbox ({no_sandbox}); this submission ran in a fresh "
                     "Gradescope container of its own, which isolates it from other submissions.")
    data["output"] = "\n\n".join(n for n in notes if n)
    data.update(TEXT_FORMAT, stdout_visibility="hidden")
    write(data)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m aifund.grader.autograde", description="Gradescope side of the bundle")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("autograde", help="grade ROOT/submission, write ROOT/results/results.json")
    a.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT") or "/autograder")
    args = p.parse_args(argv)
    return autograde(pathlib.Path(args.root))


if __name__ == "__main__":
    raise SystemExit(main())
