"""What both readers of p-SQL text make of its tokens: string and number literals, dates,
LIMIT's bounds, CASE's ELSE, the lone-surrogate diagnostic.

The descent reader (grammar/descent.py) and lark's (grammar/lark_reader.py) share these, so a
literal means the same whichever reads it; this module imports no lark, so valid text and
JSON never load it.

    >>> number_value("1.5e3"), number_value("99999999999999999999"), unquote_string("'it''s'")
    (1500.0, None, "it's")
"""

from __future__ import annotations

import datetime as dt

from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic
from pesql.grammar.numbers import int_problem, read_int
from pesql.grammar.ops import rows
from pesql.grammar.registry import spec_of


def surrogate_diagnostic(text: str, index: int) -> Diagnostic:
    """E158 at the line:col of the lone surrogate at `text[index]`."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return Diagnostic.make(
        "E158",
        A.Span(line, column, line, column + 1),
        found="the text",
        problem=f"U+{ord(text[index]):04X}",
    )


def unquote_string(raw: str) -> str:
    return raw[1:-1].replace("''", "'")


def case_else(node: A.Expr | None) -> A.Expr | None:
    """CASE's ELSE: `ELSE NULL` means the same as no ELSE; one spelling keeps JSON and text
    aligned."""
    if isinstance(node, A.Lit) and node.value is None:
        return None
    return node


def number_value(raw: str) -> int | float | None:
    """The value of a number literal (`5`, `-5`, `1.5e3`), or None when it cannot run: an
    integer outside 64 bits (E157) or a float past the largest one (E106)."""
    if any(ch in raw for ch in ".eE"):
        number = float(raw)
        return None if number in (float("inf"), float("-inf")) else number
    value = read_int(raw)
    return value if isinstance(value, int) and int_problem(value) is None else None


def limit_number(raw: str, wire: str) -> int | None:
    """LIMIT's count or offset if within the registry's bounds, else None (E157)."""
    value = read_int(raw)
    bound = spec_of(rows.Limit).field(wire)
    assert bound is not None
    if bound.out_of_range(value) is None and isinstance(value, int):
        return value
    return None


def parse_temporal(text: str, with_time: bool) -> dt.date | dt.datetime | None:
    """ISO date (`2024-01-31`) or naive datetime (`2024-01-31 12:00:00`); None if invalid."""
    try:
        if with_time:
            value = dt.datetime.fromisoformat(text)
            return None if value.tzinfo is not None else value
        if len(text) != 10:
            return None
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


__all__ = [
    "case_else",
    "limit_number",
    "number_value",
    "parse_temporal",
    "surrogate_diagnostic",
    "unquote_string",
]
