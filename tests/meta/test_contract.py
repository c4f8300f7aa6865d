"""The contract (spec/contract.toml, docs/contract.md, the starter module) against the spec and tinygrad."""
import importlib.metadata
import importlib.util
import inspect
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from aifund import contract
from aifund.spec import CONTRACT_NAMES, load_items

pytestmark = pytest.mark.meta
ROOT = pathlib.Path(__file__).resolve().parents[2]
ITEMS = load_items()
CONTRACT = contract.load_contract()
NAMES = CONTRACT["names"]
SERVED = contract.items_by_name(ITEMS)        # name -> the ids of the items that need it


# ------------------------------------------------------------------ spec/contract.toml and docs/contract.md
def test_doc_is_current():
    assert contract.DOC_PATH.read_text(encoding="utf-8") == contract.render_markdown(), \
        "docs/contract.md is out of date: run python -m aifund.contract doc --write"


def test_torch_doc_is_current_and_speaks_of_torch():
    from aifund import contract_frameworks
    path = contract_frameworks.doc_path("torch")
    text = contract.render_markdown("torch")
    assert path.read_text(encoding="utf-8") == text, \
        "docs/contract-torch.md is out of date: run python -m aifund.contract --framework torch doc --write"
    assert "torch.Tensor" in text and "`optim.adam.matches_torch`" in text
    assert text.count("optim.adam.matches_tinygrad") == 1, "named once, in the introduction, as not applicable"
    assert "`optim.adam.matches_torch`" not in contract.render_markdown(), "the tinygrad page lists tinygrad's items"
    starter = contract.starter_module("torch")
    assert "import torch" in starter and "from tinygrad" not in starter and "--framework torch" in starter
    compile(starter, "starter_torch.py", "exec")


def test_every_contract_name_is_described_and_nothing_else():
    assert sorted(set(NAMES) - CONTRACT_NAMES) == [], "spec/contract.toml describes names CONTRACT_NAMES lacks"
    assert sorted(CONTRACT_NAMES - set(NAMES)) == [], "CONTRACT_NAMES has names spec/contract.toml does not describe"


def test_every_needed_name_is_documented():
    for item in ITEMS.values():
        undocumented = sorted(set(item.needs) - set(NAMES))
        assert not undocumented, f"{item.id} needs {undocumented}, which the contract does not describe"


def test_entries_are_well_formed():
    served = SERVED
    for entry in NAMES.values():
        assert entry.kind in contract.KINDS, f"{entry.name}: kind {entry.kind!r}"
        assert entry.summary and entry.takes and entry.returns, f"{entry.name}: summary, takes and returns are required"
        assert contract._signature(entry.signature)[0] == entry.name, f"{entry.name}: signature {entry.signature!r}"
        assert served.get(entry.name), f"{entry.name} serves no spec item"
        assert entry.section in {ITEMS[i].section for i in served[entry.name]}, \
            f"{entry.name} is filed under §{entry.section}, where no item that needs it lives"
        for sig, _ in entry.methods:
            contract._signature(sig)
        for refs, text in entry.decisions:
            assert refs and text, f"{entry.name}: a decision needs items and text"
            for ref in refs:
                assert ref in ITEMS, f"{entry.name}: decision cites unknown item {ref!r}"
                assert entry.name in ITEMS[ref].needs, f"{entry.name}: decision cites {ref}, which does not need it"


def test_every_accepted_alternative_is_shown():
    for entry in NAMES.values():
        assert set(entry.hide_accepts) <= set(SERVED[entry.name]), f"{entry.name} hides items it does not serve"
    shown = {i for entry in NAMES.values() for i in SERVED[entry.name] if i not in entry.hide_accepts}
    assert [i for i, item in ITEMS.items() if item.accepts and item.needs and i not in shown] == []


def test_required_decisions_are_in_the_doc():
    doc = contract.render_markdown()
    for phrase in ("Nearest-neighbour", "Bilinear", "not clipped", "whole image", "not the smallest loss seen",
                   "keepdims", "wrong dtype", "not an archive", "Sum over the classes, mean over the N samples",
                   "## tinygrad traps"):
        assert phrase in doc, f"docs/contract.md no longer says {phrase!r}"


@pytest.mark.parametrize("framework", ["tinygrad", "torch"])
def test_the_doc_lists_every_item_a_name_serves(framework):
    """Every item of the framework that needs the name; an item of another framework is not listed."""
    doc = contract.render_markdown(framework)
    for name, all_ids in SERVED.items():
        ids = [i for i in all_ids if ITEMS[i].applies_to(framework)]
        block = doc.split(f"### `{NAMES[name].signature}`", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
        listed = block.split(f"**Spec items ({len(ids)}):**", 1)
        assert len(listed) == 2 and all(f"`{i}`" in listed[1] for i in ids), f"{name}: its items are not all listed"


def test_list_items():
    lines = contract.list_items("act.softmax.")
    assert len(lines) == sum(i.startswith("act.softmax.") for i in ITEMS)
    assert lines[0].split()[:2] == ["act.softmax.values", "§5"]
    assert len(contract.list_items()) == len(ITEMS)


def test_cli(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "aifund.contract", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
    assert run("doc", "--check").returncode == 0
    assert run("doc").stdout == contract.render_markdown()
    assert "(default: -)" in run("starter", "--help").stdout
    target = tmp_path / "mine.py"
    assert run("starter", "-o", str(target)).returncode == 0
    target.write_text("# my work\n")
    refused = run("starter", "-o", str(target))
    assert refused.returncode == 1 and "--force" in refused.stderr and target.read_text() == "# my work\n"
    assert run("starter", "-o", str(target), "--force").returncode == 0
    assert target.read_text() == contract.starter_module()
    assert run("items", "loss.mse.").stdout.splitlines() == contract.list_items("loss.mse.")


# ------------------------------------------------------------------ the starter module
@pytest.fixture(scope="module")
def starter_path(tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("starter") / "starter.py"
    path.write_text(contract.starter_module(), encoding="utf-8")
    return path


def _import(path):
    spec = importlib.util.spec_from_file_location("contract_starter", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _contract_signature(text: str) -> inspect.Signature:
    """The signature a contract entry states, as Python sees it (without self)."""
    name, args = contract._signature(text)
    scope = {}
    exec(f"def {name}({args}): pass", scope)
    return inspect.signature(scope[name])


def _required(fn) -> int:
    return sum(p.default is p.empty for p in inspect.signature(fn).parameters.values())


def _calls(module, entry):
    """(what, call) for the function or constructor and every method, with None for every required argument."""
    obj = getattr(module, entry.name)
    yield entry.name, lambda: obj(*[None] * _required(obj))
    if entry.is_class:
        instance = object.__new__(obj)      # past the raising __init__, to reach the methods
        for sig, _ in entry.methods:
            method = getattr(instance, contract._signature(sig)[0])
            yield f"{entry.name}.{method.__name__}", lambda method=method: method(*[None] * _required(method))


def test_starter_defines_every_name_and_raises_naming_its_items(starter_path):
    module = _import(starter_path)
    for name in sorted(CONTRACT_NAMES):
        assert hasattr(module, name), f"the starter does not define {name}"
        for what, call in _calls(module, NAMES[name]):
            with pytest.raises(NotImplementedError) as raised:
                call()
            message = str(raised.value)
            tinygrad_items = [i for i in SERVED[name] if ITEMS[i].applies_to("tinygrad")]
            assert all(i in message for i in tinygrad_items), f"{what}'s NotImplementedError does not name its items"


def test_starter_signatures_match_the_contract(starter_path):
    module = _import(starter_path)
    for entry in NAMES.values():
        obj = getattr(module, entry.name)
        assert inspect.signature(obj) == _contract_signature(entry.signature), entry.name
        assert isinstance(obj, type) == entry.is_class, entry.name
        for sig, _ in entry.methods:
            method = getattr(obj, contract._signature(sig)[0])
            params = list(inspect.signature(method).parameters.values())[1:]
            assert inspect.Signature(params) == _contract_signature(sig), f"{entry.name}.{sig}"


def test_starter_through_the_suite_reports_not_implemented(starter_path, tmp_path):
    report = tmp_path / "report.json"
    wanted = ["act.sigmoid.values", "loss.mse.values"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    result = subprocess.run([sys.executable, "-m", "pytest", "tests/conformance", "-q", "-p", "no:cacheprovider",
                             "--impl", str(starter_path), "--spec-items", ",".join(wanted),
                             "--conformance-json", str(report)], cwd=ROOT, capture_output=True, text=True,
                            timeout=240, env=env)
    assert report.exists(), f"no report was written:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    items = json.loads(report.read_text())["items"]
    for item_id in wanted:
        status, message = items[item_id]["status"], items[item_id]["message"]
        assert status == "not implemented", f"{item_id}: {status} ({message[:300]})"
        assert "NotImplementedError" in message and item_id in message, message[:500]


# ------------------------------------------------------------------ the tinygrad traps, against the installed tinygrad
def _trap_quotient_rewrite():
    from tinygrad import Tensor
    x = Tensor([1e-8, 1.0]).contiguous().realize()
    got = (x / (1 + x)).numpy()
    assert got[0] == 0.0 and got[1] == 0.5, f"x / (1 + x) gave {got}: tinygrad no longer rewrites it as 1 - 1 / (1 + x)"
    z = Tensor([-17.0, -20.0])
    e = z.exp()
    assert (e / (1 + e)).numpy().tolist() == [0.0, 0.0]
    assert (1 / (1 + (-z).exp())).numpy()[1] == pytest.approx(2.0611536e-09, rel=1e-5)


def _trap_python_float_constants():
    from tinygrad import Tensor
    from tinygrad.engine import realize
    p = Tensor.ones(16).contiguous().realize()
    before = len(realize.runtime_cache)
    for i in range(4):
        p.assign(p - (0.1 + 0.0123 * i) * p).realize()
    per_value = len(realize.runtime_cache) - before
    lr = Tensor([0.1]).contiguous().realize()
    before = len(realize.runtime_cache)
    for i in range(4):
        lr.assign(Tensor([0.2 + 0.0123 * i])).realize()
        p.assign(p - lr * p).realize()
    in_tensor = len(realize.runtime_cache) - before
    assert per_value == 4 and in_tensor <= 2, (per_value, in_tensor)


def _trap_no_requires_grad():
    from tinygrad import Tensor
    with pytest.raises(TypeError):
        Tensor([2.0], requires_grad=True)
    x = Tensor([2.0])
    (x * x + x).sum().backward()
    assert x.grad.numpy().tolist() == [5.0]


def _trap_training_mode():
    from tinygrad import Context, Tensor
    from tinygrad.nn.optim import SGD
    assert not hasattr(Tensor, "training") and not hasattr(Tensor, "train")
    w = Tensor([1.0, 2.0]).contiguous().realize()
    (w * w).sum().backward()
    with pytest.raises(RuntimeError):
        SGD([w], lr=0.1).step()
    x = Tensor.ones(1000).contiguous().realize()
    assert (x.dropout(0.5).numpy() == 1).all(), "Tensor.dropout now drops outside training mode"
    with Context(TRAINING=1):
        SGD([w], lr=0.1).step()
        assert (x.dropout(0.5).numpy() == 0).any()
    assert np.allclose(w.numpy(), [0.8, 1.6])


def _trap_cut_graph():
    from tinygrad import Tensor
    x = Tensor([2.0, 3.0])
    Tensor((x * x).numpy()).sum().backward()
    assert x.grad is None
    x = Tensor([2.0, 3.0])
    (x * x).detach().sum().backward()
    assert x.grad is not None and (x.grad.numpy() == 0).all()


TRAP_CHECKS = {"quotient_rewrite": _trap_quotient_rewrite, "python_float_constants": _trap_python_float_constants,
               "no_requires_grad": _trap_no_requires_grad, "training_mode": _trap_training_mode,
               "cut_graph": _trap_cut_graph}


def test_every_trap_has_a_check():
    assert [t["id"] for t in CONTRACT["traps"]] == list(TRAP_CHECKS)


@pytest.mark.parametrize("trap", list(TRAP_CHECKS))
def test_trap_holds_in_the_installed_tinygrad(trap):
    assert importlib.metadata.version("tinygrad") == "0.14.0", "the traps were checked against tinygrad 0.14.0"
    TRAP_CHECKS[trap]()
