"""Every deliberately wrong PyTorch implementation in tests/mutants_torch is caught by the items it names, with 'fail'.

One batch process runs the whole corpus (tests.meta.batch_runner, each mutant with --framework torch):
a process per mutant would repeat the interpreter's start and the imports of torch and tinygrad."""
import pathlib

import pytest

from aifund.spec import load_items
from tests.meta.run_suite import run_batch
from tests.meta.test_mutants import declared

# One xdist group: the corpus fixture is per process, and without a group each pytest-xdist worker that drew
# one of these tests ran the whole corpus again (twice in a 2-core CI run, 90 s each).
pytestmark = [pytest.mark.meta, pytest.mark.time_limit(1800), pytest.mark.xdist_group("mutants-torch")]
MUTANTS = sorted((pathlib.Path(__file__).parents[1] / "mutants_torch").glob("*.py"))
ITEMS = load_items()


def test_corpus_is_large_well_formed_and_spread_over_the_contract():
    assert len(MUTANTS) >= 20
    families = set()
    for path in MUTANTS:
        d = declared(path)
        assert d.get("MUTATED") and d.get("CAUGHT_BY"), f"{path.name} must declare MUTATED and CAUGHT_BY"
        for item in d["CAUGHT_BY"]:
            assert item in ITEMS and ITEMS[item].applies_to("torch"), f"{path.name}: {item} is no torch item"
            assert set(ITEMS[item].needs) & set(d["MUTATED"]), f"{path.name}: {item} does not use {d['MUTATED']}"
            families.add(item.split(".")[0])
    assert {"act", "linear", "loss", "optim", "conv", "pool", "cnn", "reg", "p4", "p6"} <= families


def test_every_torch_only_item_is_killed_by_some_mutant():
    declared_items = {i for m in MUTANTS for i in declared(m)["CAUGHT_BY"]}
    only_torch = [i for i, item in ITEMS.items() if item.frameworks == ("torch",)]
    assert only_torch and not [i for i in only_torch if i not in declared_items]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    jobs = [{"name": m.stem, "impl": m, "items": declared(m)["CAUGHT_BY"], "extra": ["--framework=torch"]}
            for m in MUTANTS]
    return run_batch(jobs, tmp_path_factory.mktemp("mutants_torch"))


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.stem for m in MUTANTS])
def test_mutant_is_caught(mutant, corpus):
    d = declared(mutant)
    report, code = corpus[mutant.stem]
    assert report is not None, f"the suite wrote no report for {mutant.name}:\n{corpus['_output']}"
    assert report["framework"] == "torch"
    statuses = {i: report["items"][i]["status"] for i in d["CAUGHT_BY"]}
    escaped = {i: s for i, s in statuses.items() if s != "fail"}
    assert not escaped, (f"{mutant.name} was not caught (each declared item must be 'fail'): {escaped}\n"
                         + "\n".join(f"{i}: {report['items'][i]['message'][:600]}" for i in escaped))
    assert code == 1, f"pytest should exit 1 on a caught mutant, got {code}"


def test_a_mutant_that_steps_torch_optim_is_seen_using_that_shortcut(corpus):
    """adam_wraps_torch's own_code item is a traced claim; the shortcut watch sees the same use independently."""
    report, _ = corpus["adam_wraps_torch"]
    assert report is not None, corpus["_output"]
    used = report["shortcuts"]["used"]
    assert used.get("optimizer", {}).get("calls") == ["torch.optim.Adam"], used
    assert "p4.adam.own_code" in used["optimizer"]["items"]
