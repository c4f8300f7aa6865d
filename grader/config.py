"""A course's grading configuration: weights, hidden items and limits (TOML), over the spec's defaults.

    [weights]            # by item id or by prefix ending in "." ; the longest match wins
    "act." = 2.0
    "p6.quantize.round_trip" = 3.0
    [sections]           # multiplies every item of a guide section
    "15" = 2.0
    hidden = ["p6."]     # shown to students as existing, without details, until release
    [limits]
    item_timeout = 60            # seconds per test
    submission_timeout = 900     # seconds for the whole submission
    memory_mb = 6144             # address-space limit of the submission's process
    max_examples = 4             # Hypothesis examples per property in grading mode
    max_score = 100
"""
from __future__ import annotations

import pathlib
import tomllib
from dataclasses import dataclass, field

from spec import Item, load_items


@dataclass
class Limits:
    item_timeout: float = 60.0
    submission_timeout: float = 900.0
    memory_mb: int = 6144
    max_examples: int = 4
    max_score: float = 100.0


@dataclass
class CourseConfig:
    weights: dict = field(default_factory=dict)
    sections: dict = field(default_factory=dict)
    hidden: list = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)

    def weight(self, item: Item) -> float:
        matches = [k for k in self.weights if k == item.id or (k.endswith(".") and item.id.startswith(k))]
        base = self.weights[max(matches, key=len)] if matches else item.weight
        return float(base) * float(self.sections.get(item.section, 1.0))

    def is_hidden(self, item_id: str) -> bool:
        return any(item_id == h or (h.endswith(".") and item_id.startswith(h)) for h in self.hidden)


def load_config(path: str | pathlib.Path | None) -> CourseConfig:
    if not path:
        return CourseConfig()
    data = tomllib.loads(pathlib.Path(path).read_text())
    unknown = set(data) - {"weights", "sections", "hidden", "limits"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    items = load_items()
    for key in list(data.get("weights", {})) + list(data.get("hidden", [])):
        if not any(i == key or (key.endswith(".") and i.startswith(key)) for i in items):
            raise ValueError(f"{path}: {key!r} matches no spec item")
    return CourseConfig(weights=data.get("weights", {}), sections={str(k): v for k, v in data.get("sections", {}).items()},
                        hidden=data.get("hidden", []), limits=Limits(**data.get("limits", {})))
