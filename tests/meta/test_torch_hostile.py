"""PyTorch submissions written against the kit: a Tensor subclass or a torch function mode that answers the
kit's reads with right values for a wrong implementation, and library shortcuts in spellings a name table
misses. Each must fail its items (tests/meta/fixtures/torch_hostile/)."""
import pathlib

import pytest

from tests.meta.run_suite import run_batch

# one xdist group: the reports fixture is per process (without it each pytest-xdist worker ran the batch again)
pytestmark = [pytest.mark.meta, pytest.mark.xdist_group("torch-hostile")]
FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "torch_hostile"
TORCH = ["--framework=torch"]
EXPECTED = {
    "subclass_lies_on_detach": (["act.sigmoid.values"], TORCH),
    "mode_answers_reads_from_shadows": (["optim.sgd.trajectory"], TORCH),
    "hidden_shortcuts": (["act.sigmoid.values", "act.tanh.values", "act.softmax.values", "optim.adam.trajectory"],
                         TORCH + ["--shortcuts=forbid"]),
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    jobs = [{"name": name, "impl": FIXTURES / f"{name}.py", "items": items, "extra": extra}
            for name, (items, extra) in EXPECTED.items()]
    return run_batch(jobs, tmp_path_factory.mktemp("torch-hostile"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_item_fails(reports, name):
    report, _ = reports[name]
    assert report is not None, f"no report for {name}:\n{reports.get('_output', '')}"
    statuses = {i: report["items"][i]["status"] for i in EXPECTED[name][0]}
    assert set(statuses.values()) == {"fail"}, {i: (s, report["items"][i]["message"][:300]) for i, s in statuses.items()}


def test_the_hidden_shortcuts_are_named(reports):
    report, _ = reports["hidden_shortcuts"]
    messages = " ".join(report["items"][i]["message"] for i in EXPECTED["hidden_shortcuts"][0])
    for name in ("sigmoid", "softmax", "optimizer"):
        assert name in messages, messages[:1000]
