"""A course's grading configuration: weights, hidden items and limits (TOML), over the spec's defaults.

    [weights]            # by item id or by prefix ending in "." ; the longest match wins
    "act." = 2.0
    "p6.quantize.round_trip" = 3.0
    [sections]           # multiplies every item of a guide section
    "15" = 2.0
    hidden = ["p6."]     # shown to students as existing, without details, until release
    [limits]
    item_timeout = 60            # seconds per test
    import_timeout = 60          # seconds for the submission's import (PyTorch alone takes 2-10 s on a busy machine)
    submission_timeout = 900     # seconds for the whole submission
    memory_mb = 6144             # memory of the submission's processes together (cgroup), and address space of each
    max_examples = 4             # Hypothesis examples per property in grading mode
    max_score = 100
    framework = "torch"  # what the submissions are written in: tinygrad (default) or torch
    [shortcuts]          # library shortcuts (torch.sigmoid, torch.nn.Linear, torch.optim.Adam...), PyTorch courses
    allowed = false      # true (default: allowed, and reported), false (an item whose test used one fails),
                         # or the names still allowed: ["linear", "optimizer"] (aifund/shortcuts.py)
"""
from __future__ import annotations

import pathlib
import tomllib
from dataclasses import dataclass, field

from aifund import frameworks, shortcuts
from aifund.spec import Item, load_items, matches


@dataclass
class Limits:
    item_timeout: float = 60.0
    import_timeout: float = 60.0
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
    framework: str = frameworks.DEFAULT
    shortcuts: shortcuts.Policy = field(default_factory=shortcuts.Policy)

    def applies(self, item: Item) -> bool:
        """An item of another framework is reported 'not applicable' and is worth nothing in this course."""
        return item.applies_to(self.framework)

    def weight(self, item: Item) -> float:
        chosen = [k for k in self.weights if matches(item.id, k)]
        base = self.weights[max(chosen, key=len)] if chosen else item.weight
        return float(base) * float(self.sections.get(item.section, 1.0))

    def is_hidden(self, item_id: str) -> bool:
        return any(matches(item_id, h) for h in self.hidden)


class ConfigError(ValueError):
    """A course config that cannot be used; the message names the file and, where known, the line and key."""


def _fail(path, message: str):
    raise ConfigError(f"{path}: {message}")


def load_config(path: str | pathlib.Path | None) -> CourseConfig:
    if not path:
        return CourseConfig()
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        _fail(path, f"cannot read it ({exc.strerror})")
    except UnicodeDecodeError:
        _fail(path, "is not UTF-8 text")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        _fail(path, f"not valid TOML: {exc}")   # tomllib's message names the line and column
    unknown = set(data) - {"weights", "sections", "hidden", "limits", "framework", "shortcuts"}
    if unknown:
        _fail(path, f"unknown keys {sorted(unknown)} (known: weights, sections, hidden, limits, framework, shortcuts)")
    table = data.get("shortcuts", {})
    if not isinstance(table, dict) or set(table) - {"allowed"}:
        _fail(path, "[shortcuts] must be a table with one key, allowed")
    try:
        policy = shortcuts.from_course_value(table.get("allowed", True))
    except ValueError as exc:
        _fail(path, f"[shortcuts] {exc}")
    framework = data.get("framework", frameworks.DEFAULT)
    if framework not in frameworks.NAMES:
        _fail(path, f"framework = {framework!r}; it must be one of {', '.join(frameworks.NAMES)}")
    items = load_items()
    weights, sections, hidden, limits = (data.get("weights", {}), data.get("sections", {}), data.get("hidden", []),
                                         data.get("limits", {}))
    for name, table in (("weights", weights), ("sections", sections), ("limits", limits)):
        if not isinstance(table, dict):
            _fail(path, f"[{name}] must be a table")
    if not isinstance(hidden, list) or not all(isinstance(h, str) for h in hidden):
        _fail(path, "hidden must be a list of item ids or prefixes")
    for key, value in list(weights.items()) + [(f"section {k}", v) for k, v in sections.items()]:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            _fail(path, f"weight of {key!r} is {value!r}; it must be a number >= 0")
    for key in list(weights) + list(hidden):
        if not any(matches(i, key) for i in items):
            _fail(path, f"{key!r} matches no spec item")
    known_sections = {item.section for item in items.values()}
    for key in sections:
        if str(key) not in known_sections:
            _fail(path, f"[sections] {key!r} is not a guide section with items ({', '.join(sorted(known_sections, key=int))})")
    fields = Limits.__dataclass_fields__
    for key, value in limits.items():
        if key not in fields:
            import difflib
            close = difflib.get_close_matches(key, list(fields), n=1)
            _fail(path, f"[limits] unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else
                                                           f" (known: {', '.join(fields)})"))
        want = fields[key].type
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or (
                want == "int" and not isinstance(value, int)):
            _fail(path, f"[limits] {key} = {value!r}; it must be a positive {'whole number' if want == 'int' else 'number'}")
    return CourseConfig(weights=weights, sections={str(k): v for k, v in sections.items()},
                        hidden=hidden, limits=Limits(**limits), framework=framework, shortcuts=policy)
