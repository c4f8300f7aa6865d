"""benchmarks/grading_time.py runs to its ratio table (the smallest run: one item, one mutant). Nothing here
is timed: the figures are only printed, the test checks that every step completed and reported."""
import pathlib
import subprocess
import sys

KIT = pathlib.Path(__file__).resolve().parents[2]


def test_grading_time_benchmark_prints_its_ratios(tmp_path):
    out = tmp_path / "grading_time.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.grading_time", "--mutants", "1", "--cores", "1",
                           "--spec-items", "act.sigmoid.values", "--json", str(out)],
                          cwd=KIT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "x plain run" in done.stdout and "slowest single submission" in done.stdout, done.stdout[-2000:]
    rows = __import__("json").loads(out.read_text())["rows"]
    assert len(rows) == 6 and all(seconds > 0 for seconds in rows.values()), rows
