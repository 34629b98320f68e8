"""Text-level repair inside p-SQL strings: SQL spellings a model slips into (the wire forms
that carry p-SQL in JSON strings, grammar/forms.py).

    >>> fix_text('region == "West" AND n = COUNT(DISTINCT island)')[0]
    "region = 'West' AND n = COUNT_DISTINCT(island)"

- `sql_equals`: `==` read as `=`;
- `double_quoted_text`: `"West"` read as the text literal `'West'` (p-SQL quotes text with
  single quotes; a double quote is never valid p-SQL, so the reading changes no valid plan);
- `count_distinct`: `COUNT(DISTINCT x)` read as the registry's `COUNT_DISTINCT(x)`.

Each slip is invalid p-SQL, so a fixed string never changes what a valid one meant; text
inside 'single quotes' and `backticks` is left alone. Only strings in p-SQL positions are
touched: step strings, the `plan` string, and (compact form) clause values and expression
properties.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pesql.compiler.repair.json.fixes import Fix, FixKind, JSONValue
from pesql.grammar.forms import Form
from pesql.grammar.registry import all_ops, lookup

_Walk = Callable[[JSONValue, str, bool], JSONValue]
_COUNT_DISTINCT = re.compile(r"\bCOUNT\s*\(\s*DISTINCT\s+", re.IGNORECASE)
# Properties that hold expressions in some operation or record (compact form strings).
_EXPR_PROPS = frozenset(
    f.wire for s in all_ops() for f in s.fields if f.kind in ("expr", "exprs")
) | frozenset({"expr", "when", "then"})


def _segments(text: str) -> list[tuple[str, str]]:
    """The text cut into (piece, quote) pieces: quote is "" outside quotes, else the quote
    character of a '...', `...` or "..." piece (a double quote inside single ones is text)."""
    out: list[tuple[str, str]] = []
    i, start = 0, 0
    while i < len(text):
        quote = text[i]
        if quote in "'`\"":
            end = i + 1
            while end < len(text):
                if text[end] == quote:
                    if end + 1 < len(text) and text[end + 1] == quote:  # '' or `` escapes
                        end += 2
                        continue
                    break
                end += 1
            out.append((text[start:i], ""))
            out.append((text[i : end + 1], quote))
            i = start = end + 1
            continue
        i += 1
    out.append((text[start:], ""))
    return [(piece, quote) for piece, quote in out if piece]


def fix_text(text: str) -> tuple[str, list[FixKind]]:
    """The text with slips fixed, and the kinds of fix made (empty: unchanged)."""
    kinds: list[FixKind] = []
    pieces = []
    for piece, quote in _segments(text):
        if quote == '"' and len(piece) >= 2 and piece.endswith('"'):
            piece = "'" + piece[1:-1].replace("'", "''") + "'"
            kinds.append("double_quoted_text")
        elif not quote:
            if "==" in piece:
                piece = piece.replace("==", "=")
                kinds.append("sql_equals")
            if lookup("COUNT_DISTINCT") is not None and _COUNT_DISTINCT.search(piece):
                piece = _COUNT_DISTINCT.sub("COUNT_DISTINCT(", piece)
                kinds.append("count_distinct")
        pieces.append(piece)
    return "".join(pieces), list(dict.fromkeys(kinds))


def fix_slips(value: JSONValue, form: Form = "tree") -> tuple[JSONValue, tuple[Fix, ...]]:
    """A plan value with the slips in its p-SQL strings fixed, and one `Fix` per change.

    Expression properties are p-SQL only in the compact form (in the tree form a string is a
    column name, and a text literal's `value` may hold any quote)."""
    fixes: list[Fix] = []

    def text(s: str, pointer: str) -> str:
        fixed, kinds = fix_text(s)
        fixes.extend(Fix(k, -1, s, fixed, pointer) for k in kinds)
        return fixed

    def walk(v: JSONValue, pointer: str, in_expr: bool) -> JSONValue:
        if isinstance(v, str):
            return text(v, pointer) if in_expr else v
        if isinstance(v, list):
            return [walk(item, f"{pointer}/{i}", in_expr) for i, item in enumerate(v)]
        if isinstance(v, dict):
            return {k: walk(item, f"{pointer}/{k}", k in _EXPR_PROPS) for k, item in v.items()}
        return v

    if not isinstance(value, dict):
        return value, ()
    out = dict(value)
    plan = out.get("plan")
    if isinstance(plan, str):
        out["plan"] = text(plan, "/plan")
    steps = out.get("steps")
    if isinstance(steps, list):
        out["steps"] = [
            text(s, f"/steps/{i}")
            if isinstance(s, str)
            else _clauses(s, f"/steps/{i}", walk)
            if form == "compact"
            else s
            for i, s in enumerate(steps)
        ]
    return out, tuple(fixes)


def _clauses(step: JSONValue, pointer: str, walk: _Walk) -> JSONValue:
    """A compact step: keyed by clause (grammar/clauses.py), every string is p-SQL; keyed by
    `op`, only its expression properties are."""
    if isinstance(step, dict) and "op" not in step:
        return {k: walk(v, f"{pointer}/{k}", True) for k, v in step.items()}
    return walk(step, pointer, False)


_FENCE = re.compile(r"^\s*```[\w-]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)


def text_reading(text: str) -> tuple[JSONValue, tuple[Fix, ...]] | None:
    """A reply in p-SQL text (not JSON) as `{"plan": text}`, fences stripped, slips fixed."""
    fixes: list[Fix] = []
    if (fence := _FENCE.match(text)) is not None:
        fixes.append(Fix("strip_code_fence", 0, text[: fence.start(1)], "", ""))
        text = fence.group(1)
    if not text.strip() or text.lstrip()[0] in "{[":
        return None  # JSON: the scanner's way
    value, slips = fix_slips({"plan": text.strip()})
    return value, (*fixes, *slips)


__all__ = ["fix_slips", "fix_text", "text_reading"]
