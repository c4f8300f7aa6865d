"""The one rule for text a submission can influence (messages, output, integrity records, names, file names).

Turns any value into bounded, printable, UTF-8-encodable text, and into inert CSV cells and Markdown.
It never calls the value's own methods (__str__, __repr__, __len__) and never raises.
"""
from __future__ import annotations

import json
import math
import re

DEFAULT_LIMIT = 10_000
# Characters no writer takes as they are: C0 controls (tab and newline apart, where lines are allowed), DEL and
# the C1 controls (a terminal acts on ESC and CSI), lone surrogates (not encodable), U+FFFE/U+FFFF (not XML
# characters), the bidi overrides and isolates and the invisible direction marks (text that reads other
# than it is), and the Unicode line and paragraph separators.
_ALWAYS = ("\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
           "\ud800-\udfff\ufffe\uffff")
_UNSAFE_LINES = re.compile(f"\r\n?|[{_ALWAYS}]")          # a CR or CRLF becomes a newline
_UNSAFE_ONE_LINE = re.compile(f"[\t\n\r{_ALWAYS}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
FORMULA_START = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"        # and the full-width = + - @ some spreadsheets also read


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _type_name(value) -> str:
    try:
        name = type.__dict__["__name__"].__get__(type(value))   # the class's own name, not a metaclass property
        return name if type(name) is str else "object"
    except Exception:  # noqa: BLE001
        return "object"


def _as_str(value, limit: int) -> tuple[str, int]:
    """(text, characters or bytes left out before the text rule ran) for any value."""
    if isinstance(value, str):
        return str.__str__(value), 0          # the characters themselves, even of a subclass (none of its methods)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value[:4 * limit + 8]) if not isinstance(value, memoryview) else value[:4 * limit + 8].tobytes()
        return raw.decode("utf-8", "backslashreplace"), max(0, len(value) - len(raw))
    if value is None:
        return "", 0
    if isinstance(value, bool):
        return ("True" if value else "False"), 0
    try:
        if isinstance(value, int):
            return int.__repr__(value), 0
        if isinstance(value, float):
            return float.__repr__(value), 0
        if type(value) in (dict, list, tuple):
            out = json.dumps(value, ensure_ascii=False, skipkeys=True, default=lambda v: f"<{_type_name(v)}>")
            return out[:limit + 2], max(0, len(out) - limit - 2)
    except Exception:  # noqa: BLE001 - an int too long to print, a cycle, a nesting too deep, a hostile subclass
        pass
    return f"<{_type_name(value)} value>", 0


def text(value, limit: int = DEFAULT_LIMIT, *, lines: bool = True) -> str:
    """``value`` as at most ``limit`` characters of printable text that always encodes as UTF-8.

    Unsafe characters become visible escapes (``\\x00``, ``\\u202e``, ``\\ud800``); with ``lines`` a newline
    and a tab stay (CR and CRLF become a newline), without it they are escaped too. Text over the limit is
    cut, with a note of how much. Applying it twice gives the same text."""
    limit = max(1, int(limit))
    s, dropped = _as_str(value, limit)
    pattern = _UNSAFE_LINES if lines else _UNSAFE_ONE_LINE
    if dropped == 0 and len(s) <= limit and not pattern.search(s):
        return s                                                    # the common case: nothing to do
    total = len(s) + dropped
    sep = "\n" if lines else " "
    note_max = f"{sep}... ({total} characters cut)"
    room = limit - len(note_max) if limit >= 2 * len(note_max) else max(0, limit - 3)
    out, used, pos, full = [], 0, 0, False
    for m in pattern.finditer(s):
        run = m.start() - pos
        if used + run > room:
            break
        out.append(s[pos:m.start()])
        used += run
        pos = m.start()
        rep = "\n" if m.group()[0] == "\r" and lines else _escape(m.group())
        if used + len(rep) > room:
            full = True
            break
        out.append(rep)
        used += len(rep)
        pos = m.end()
    if not full:
        take = min(room - used, len(s) - pos)
        out.append(s[pos:pos + take])
        pos += take
    cut = total - pos
    if cut > 0:
        out.append(f"{sep}... ({cut} characters cut)" if limit >= 2 * len(note_max) else "..."[:limit - used])
    return "".join(out)


def csv_cell(value, limit: int = 2000) -> str:
    """One CSV cell of untrusted text: one line, and never read as a formula by a spreadsheet (OWASP: a
    cell that starts with = + - @ tab or CR gets a leading apostrophe)."""
    cell = text(value, limit, lines=False)
    first = cell.lstrip()[:1] or cell[:1]
    if cell and (cell[0] in FORMULA_START or first in FORMULA_START):
        cell = "'" + cell
    return cell


def _fence_for(body: str, least: int) -> str:
    longest = max((len(run) for run in re.findall("`+", body)), default=0)
    return "`" * max(least, longest + 1)


def markdown(value, limit: int = 500) -> str:
    """Untrusted text inline in Markdown: one code span, so no markup, HTML or link in it takes effect."""
    body = text(value, limit, lines=False)
    if not body:
        return "(none)"
    fence = _fence_for(body, 1)
    pad = " " if body[0] in "` " or body[-1] in "` " else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def markdown_block(value, limit: int = 3000) -> str:
    """Untrusted text as a fenced Markdown code block whose fence no line of the text can close."""
    body = text(value, limit)
    fence = _fence_for(body, 3)
    return f"{fence}text\n{body}\n{fence}"


def records(value, limit: int = 50) -> list[dict]:
    """Integrity records ({kind, detail}) from whatever a report holds there: at most ``limit``, as text."""
    if not isinstance(value, (list, tuple)):
        return [] if value is None else [{"kind": "malformed", "detail": text(value, 500)}]
    out = []
    for record in list(value)[:limit]:
        if type(record) is dict:
            out.append({"kind": text(record.get("kind"), 60), "detail": text(record.get("detail"), 500)})
        else:
            out.append({"kind": "malformed", "detail": text(record, 500)})
    return out


def json_safe(value, limit: int = 100_000, depth: int = 32):
    """A JSON-like value with every string (keys too) through ``text`` and anything else made plain data:
    what any JSON writer can write and any JSON reader can read (no NaN, no lone surrogates)."""
    if value is None or isinstance(value, bool):
        return value
    if type(value) is int:
        return value if abs(value) < 1 << 63 else text(value, 100)
    if type(value) is float:
        return value if math.isfinite(value) else text(value, 20)
    if depth <= 0:
        return "<nested too deep>"
    if type(value) is dict:
        return {text(k, 200): json_safe(v, limit, depth - 1) for k, v in value.items()}
    if type(value) in (list, tuple):
        return [json_safe(v, limit, depth - 1) for v in value]
    return text(value, limit)
