"""Library shortcuts: what the worker observed a PyTorch implementation calling is reported with the item it touched,
fails that item under --shortcuts=forbid, and is never taken on the implementation's word that it used none.

One batch process runs the three conformance runs (tests.meta.batch_runner): the fixture that writes sigmoid as
torch.sigmoid, reported and then forbidden, and the PyTorch reference, which reports none."""
import pathlib

import pytest

from aifund import shortcuts
from tests.meta.run_suite import run_batch

# one xdist group: the runs fixture is per process (without it each pytest-xdist worker ran the batch again)
pytestmark = [pytest.mark.meta, pytest.mark.time_limit(900), pytest.mark.xdist_group("shortcuts")]
ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "meta" / "fixtures" / "torch_shortcuts.py"
ITEMS = ["act.sigmoid.values", "act.sigmoid.gradient", "act.relu.values", "act.softmax.values", "linear.forward",
         "loss.cce.values", "pool.max_pool2d.values", "reg.dropout.survivors", "conv.conv2d.values", "reg.batch_norm.values", "p6.quantize.round_trip", "optim.adam.trajectory",
         "cnn.stage_shapes"]   # its test calls .relu() on what conv2d returned: the kit's call, not a shortcut


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    torch = ["--framework=torch"]
    jobs = [{"name": "reported", "impl": FIXTURE, "items": ITEMS[:2] + ["linear.forward"], "extra": torch},
            {"name": "forbidden", "impl": FIXTURE, "items": ITEMS[:2] + ["linear.forward"],
             "extra": torch + ["--shortcuts=forbid"]},
            {"name": "reference", "impl": ROOT / "impl_torch", "items": ITEMS, "extra": torch + ["--shortcuts=forbid"]}]
    return run_batch(jobs, tmp_path_factory.mktemp("shortcuts"))


def test_a_shortcut_is_reported_with_the_items_it_touched(runs):
    report, code = runs["reported"]
    assert report is not None, runs["_output"]
    assert code == 0 and report["items"]["act.sigmoid.values"]["status"] == "pass"
    used = report["shortcuts"]["used"]
    assert set(used) == {"sigmoid"} and used["sigmoid"]["calls"] == ["torch.sigmoid"]
    assert set(used["sigmoid"]["items"]) == {"act.sigmoid.values", "act.sigmoid.gradient"}
    assert report["items"]["act.sigmoid.values"]["shortcuts"] == {"sigmoid": ["torch.sigmoid"]}
    assert "shortcuts" not in report["items"]["linear.forward"]      # its test never called sigmoid
    assert report["shortcuts"]["policy_words"] == "allowed and reported"


def test_a_forbidden_shortcut_fails_the_items_it_touched_naming_the_call(runs):
    report, code = runs["forbidden"]
    assert report is not None, runs["_output"]
    assert code == 1
    for item in ("act.sigmoid.values", "act.sigmoid.gradient"):
        assert report["items"][item]["status"] == "fail"
        assert "torch.sigmoid" in report["items"][item]["message"]
    assert report["items"]["linear.forward"]["status"] == "pass"


def test_the_reference_uses_no_shortcut(runs):
    report, code = runs["reference"]
    assert report is not None, runs["_output"]
    assert code == 0, {i: v["message"][:300] for i, v in report["items"].items() if v["status"] != "pass"
                       and i in ITEMS}
    assert report["shortcuts"]["watched"] and report["shortcuts"]["used"] == {} == report["shortcuts"]["at_import"]


@pytest.mark.parametrize("claim", [None, [], "sigmoid", {"not_a_shortcut": ["x"]}, {"sigmoid": "torch.sigmoid"},
                                   {"sigmoid": [3, None]}])
def test_a_malformed_claim_counts_for_nothing_only_named_shortcuts_count(claim):
    cleaned = shortcuts.clean(claim)
    assert cleaned in ({}, {"sigmoid": ["sigmoid"]})
    assert shortcuts.clean({"relu": ["F.relu" * 40]})["relu"][0] == ("F.relu" * 40)[:80]


def test_a_course_policy_and_its_words():
    assert shortcuts.from_course_value(True).forbidden({"sigmoid": ["torch.sigmoid"]}) == []
    assert shortcuts.from_course_value(False).forbidden({"sigmoid": [], "linear": []}) == ["sigmoid", "linear"]
    some = shortcuts.from_course_value(["linear"])
    assert some.forbidden({"sigmoid": [], "linear": []}) == ["sigmoid"] and some.words() == "forbidden except linear"
    for bad in (["sigmoidd"], "no", 1, [1]):
        with pytest.raises(ValueError):
            shortcuts.from_course_value(bad)
