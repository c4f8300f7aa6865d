"""The contract of one framework: spec/contract.toml as it is (tinygrad), or with a framework's overlay
(spec/contract_<framework>.toml) applied: its intro, conventions, traps and the words of the names that speak of
the framework. Reads the spec's files only; it writes nothing and decides no verdict."""
from __future__ import annotations

import dataclasses
import pathlib

from aifund import frameworks
from aifund.spec import SPEC_DIR

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Jetson boards)
    import tomli as tomllib

DOCS = SPEC_DIR.parent / "docs"
TINYGRAD_TEXT = {"doc_title": "The implementation contract", "traps_title": "tinygrad traps",
                 "traps_intro": "Each of these is checked against the installed tinygrad (0.14.0) by "
                                "`tests/meta/test_contract.py`.",
                 "starter_import": "from tinygrad import Tensor   # everything else"}
VERBATIM = ("starter_import",)      # a line of code: its spacing is kept


def overlay_path(framework: str) -> pathlib.Path | None:
    return None if framework == frameworks.DEFAULT else SPEC_DIR / f"contract_{framework}.toml"


def doc_path(framework: str) -> pathlib.Path:
    """docs/contract.md for tinygrad, docs/contract-<framework>.md for another."""
    return DOCS / ("contract.md" if framework == frameworks.DEFAULT else f"contract-{framework}.md")


def texts(framework: str) -> dict:
    """The page's title, the traps' heading and introduction, the starter's import line."""
    path = overlay_path(framework)
    if path is None:
        return dict(TINYGRAD_TEXT, run_option="")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {**{k: str(data[k]) if k in VERBATIM else " ".join(str(data[k]).split()) for k in TINYGRAD_TEXT},
            "run_option": f" --framework {framework}"}


def applied(contract: dict, framework: str, clean) -> dict:
    """``contract`` (aifund.contract.load_contract) in ``framework``'s words; ``clean`` joins a text's lines."""
    path = overlay_path(framework)
    if path is None:
        return contract
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    names = dict(contract["names"])
    for rule in data.get("replace", []):
        entry, old, new = names[rule["name"]], clean(rule["old"]), clean(rule["new"])
        changed = _replaced(entry, old, new)
        if changed == entry:
            raise ValueError(f"{path.name}: {old!r} does not occur in {rule['name']}")
        names[rule["name"]] = changed
    traps = [{"id": t["id"], "title": clean(t["title"]), "text": clean(t["text"])} for t in data.get("trap", [])]
    return {**contract, "intro": clean(data["intro"]), "conventions": [clean(c) for c in data["conventions"]],
            "names": names, "traps": traps}


def _replaced(entry, old: str, new: str):
    def swap(text: str) -> str:
        return text.replace(old, new)
    return dataclasses.replace(
        entry, summary=swap(entry.summary), takes=swap(entry.takes), returns=swap(entry.returns),
        attributes=tuple(swap(a) for a in entry.attributes),
        methods=tuple((sig, swap(text)) for sig, text in entry.methods),
        decisions=tuple((ids, swap(text)) for ids, text in entry.decisions))


def applicable_items(items: dict, framework: str) -> dict:
    """The spec items checked for ``framework`` (an item of another framework is not applicable there)."""
    return {i: item for i, item in items.items() if item.applies_to(framework)}


def view(contract: dict, items: dict, framework: str, clean) -> tuple[dict, dict, dict]:
    """(contract, items, texts) as ``framework``'s page shows them: its words, its items only (a decision
    about items of another framework alone is left out)."""
    contract = applied(contract, framework, clean)
    items = applicable_items(items, framework)
    names = {n: dataclasses.replace(e, decisions=tuple((tuple(i for i in ids if i in items), text)
                                                       for ids, text in e.decisions if any(i in items for i in ids)))
             for n, e in contract["names"].items()}
    return {**contract, "names": names}, items, texts(framework)
