"""What a grade was graded with (the course config as resolved per item, its framework and shortcut policy, the
item selection, the kit version, the Hypothesis profile) and how two of these differ, so that --merge can refuse shards that would mix.
Plain data in, plain data out: it grades nothing and reads no submission's text."""
from __future__ import annotations

import dataclasses
import hashlib
import json

from aifund import untrusted
from aifund.grader.config import CourseConfig

PROFILE = "grading"   # the Hypothesis profile every grade runs under (grader/run.py)


def context(config: CourseConfig, only, items: dict, kit: str) -> dict:
    """The grading block of report.json and shard.json: ``items`` is the selection's {id: spec Item}."""
    block = {
        "config": {"weights": {i: config.weight(item) for i, item in sorted(items.items())},
                   "hidden": sorted(i for i in items if config.is_hidden(i)),
                   "limits": dataclasses.asdict(config.limits),
                   "framework": config.framework, "shortcuts": config.shortcuts.as_dict()},
        "spec_items": sorted(only) if only else None,
        "kit": kit,
        "hypothesis": {"profile": PROFILE, "max_examples": config.limits.max_examples},
    }
    return {**block, "fingerprint": digest(block)}


def digest(block: dict) -> str:
    content = {k: v for k, v in block.items() if k != "fingerprint"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _show(value) -> str:
    return untrusted.text(json.dumps(value, sort_keys=True, default=str), 80, lines=False)


def _ids(keys) -> str:
    keys = sorted(map(str, keys))
    return ", ".join(untrusted.text(k, 80, lines=False) for k in keys[:3]) + (
        f" and {len(keys) - 3} more" if len(keys) > 3 else "")


def difference(a, b) -> str | None:
    """None when grades made with blocks a and b can share a class.csv; else what b was graded with, as the
    end of a sentence "... was graded with <difference>" (e.g. "another course config (weights of ... differ)").
    The blocks' content is compared, never only their stored fingerprints."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return "no grading fingerprint (a report of an older kit?)" if not isinstance(b, dict) else \
            "a grading fingerprint where the other has none (a report of an older kit?)"
    if a.get("kit") != b.get("kit"):
        return f"another kit version ({_show(b.get('kit'))} vs {_show(a.get('kit'))})"
    if a.get("spec_items") != b.get("spec_items"):
        return f"another item selection (--spec-items {_show(b.get('spec_items'))} vs {_show(a.get('spec_items'))})"
    if a.get("hypothesis") != b.get("hypothesis"):
        return f"another Hypothesis profile ({_show(b.get('hypothesis'))} vs {_show(a.get('hypothesis'))})"
    ca, cb = (x.get("config") if isinstance(x.get("config"), dict) else {} for x in (a, b))
    wa, wb = (c.get("weights") if isinstance(c.get("weights"), dict) else {} for c in (ca, cb))
    if wa != wb:
        return f"another course config (weights of {_ids(k for k in set(wa) | set(wb) if wa.get(k) != wb.get(k))} differ)"
    if ca.get("hidden") != cb.get("hidden"):
        ha, hb = (set(h) if isinstance(h, list) and all(isinstance(x, str) for x in h) else set()
                  for h in (ca.get("hidden"), cb.get("hidden")))
        return f"another course config (hidden items differ: {_ids(ha ^ hb) or 'unreadable'})"
    la, lb = (c.get("limits") if isinstance(c.get("limits"), dict) else {} for c in (ca, cb))
    if la != lb:
        keys = sorted(k for k in set(la) | set(lb) if la.get(k) != lb.get(k))
        return "another course config ([limits] " + "; ".join(
            f"{untrusted.text(k, 40, lines=False)} {_show(lb.get(k))} vs {_show(la.get(k))}" for k in keys[:3]) + ")"
    if ca.get("framework") != cb.get("framework"):
        return f"another framework ({_show(cb.get('framework'))} vs {_show(ca.get('framework'))})"
    if ca.get("shortcuts") != cb.get("shortcuts"):
        return f"another course config ([shortcuts] {_show(cb.get('shortcuts'))} vs {_show(ca.get('shortcuts'))})"
    if ca != cb or set(a) != set(b):
        return "another grading context (the reports' grading blocks differ)"
    return None
