"""aifund-mutants on a tiny implementation: it makes the mutants it promises, classifies a killed and an
equivalent mutant right, and a second run with the same results file runs nothing again."""
import json
import pathlib
import subprocess
import sys

import pytest

from aifund.mutants.generate import mutants
from aifund.mutants.targets import items_for, python_files, touched_names
from aifund.spec import load_items
from tests.meta.run_suite import REPO, clean_env

pytestmark = [pytest.mark.meta, pytest.mark.time_limit(600)]

TINY = '''"""A tiny implementation: conv_output_size and a constant nothing reads."""
UNUSED_LIMIT = 7


def conv_output_size(n, k, p=0, s=1):
    return (n + 2 * p - k) // s + 1
'''
KINDS = '''def f(x, y, t):
    """docstring: never mutated"""
    if x < y and t:
        return max(x, y).detach() * -1
    return x.copy() ** 2 if x == y else t.cast(y) / 3.5
'''


def test_generates_every_kind_of_change_and_each_mutant_differs_in_one_place():
    made = mutants(KINDS, "kinds.py")
    kinds = {m.operator for m in made}
    assert kinds >= {"binary operator", "comparison", "boolean operator", "removed unary operator", "constant",
                     "negated condition", "min/max swap", "removed .detach()", "removed .copy()", "removed .cast()"}
    assert len({m.id for m in made}) == len(made) == len({m.source for m in made})
    for m in made:
        assert m.source != KINDS and "docstring: never mutated" in m.source
        changed = [line for line in m.diff(KINDS).splitlines() if line.startswith("-") and not line.startswith("---")]
        assert len(changed) == 1, m.diff(KINDS)
    assert any("max(x, y) -> min(x, y)" in m.change for m in made)
    assert any(m.change == "x < y -> x <= y" for m in made)


def test_a_file_touches_its_names_and_those_of_files_that_import_it(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .a import relu\nfrom .b import softmax\n")
    (pkg / "a.py").write_text("def relu(z):\n    return z.relu()\n")
    (pkg / "b.py").write_text("from .a import relu\n\n\ndef softmax(z, axis=-1):\n    return relu(z)\n")
    touched = touched_names(python_files(pkg))
    assert touched["a.py"] == {"relu", "softmax"} and touched["b.py"] == {"softmax"}
    assert set(items_for({"softmax"}, load_items())) == {i for i, it in load_items().items() if "softmax" in it.needs}


def mutants_cli(*args):
    return subprocess.run([sys.executable, "-m", "aifund.mutants.cli", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=500, env=clean_env())


def test_killed_and_equivalent_are_classified_and_a_second_run_resumes(tmp_path):
    impl = tmp_path / "tiny.py"
    impl.write_text(TINY)
    made = {m.change: m for m in mutants(TINY, "tiny.py")}
    killed, equivalent = made["n + 2 * p -> n - 2 * p"], made["7 -> 8"]
    results, reviewed = tmp_path / "results.jsonl", tmp_path / "equivalent.toml"
    reviewed.write_text("")
    common = ["--impl", impl, "--ids", f"{killed.id},{equivalent.id}", "--results", results, "--equivalents", reviewed]
    first = mutants_cli(*common)
    assert first.returncode == 1, first.stdout + first.stderr       # a survivor: not every mutant killed
    verdicts = {r["id"]: r for r in map(json.loads, results.read_text().splitlines())}
    assert verdicts[killed.id]["killed"] and verdicts[killed.id]["statuses"]["conv.output_size.values"] == "fail"
    assert not verdicts[equivalent.id]["killed"]
    assert f"SURVIVED {equivalent.id}" in first.stdout and "-UNUSED_LIMIT = 7" in first.stdout
    assert "kill rate: 1 of 2" in first.stdout
    reviewed.write_text(f'[[mutant]]\nid = "{equivalent.id}"\nreason = "UNUSED_LIMIT is never read"\n')
    second = mutants_cli(*common)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "0 to run" in second.stderr and len(results.read_text().splitlines()) == 2
    assert "kill rate: 1 of 1 non-equivalent mutants (100.0%)" in second.stdout and "1 reviewed equivalent" in second.stdout


def test_every_reviewed_equivalent_is_a_current_mutant_of_the_reference_with_a_reason():
    """An entry whose file changed no longer names a mutant: it is stale and must be reviewed again."""
    import tomllib
    from aifund.mutants.cli import REVIEWED
    entries = tomllib.loads(REVIEWED.read_text()).get("mutant", [])
    current = {m.id for f, src in python_files(REPO / "impl").items() for m in mutants(src, f)}
    for entry in entries:
        assert entry.get("reason", "").strip(), f"{entry['id']} has no reason"
        assert entry["id"] in current, f"{entry['id']} ({entry.get('change')}) is no longer a mutant of impl/"
