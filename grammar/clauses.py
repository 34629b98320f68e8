"""The compact form's step objects: one key per clause of the p-SQL step, p-SQL strings inside.

    {"DERIVE": "gap = SUB_ABS(price, cost)"}
    {"GROUP_BY": "species, island", "COMPUTE": "n = COUNT(*), m = AVG(mass)"}
    {"SORT": "n DESC"}  {"LIMIT": 3}

The first key is the step's (exposed) name, the others are the clause keywords the text form
writes (COMPUTE, OFFSET, WITH_TIES, PARTITION_BY, ORDER_BY, ON, KIND). A clause's value is
its p-SQL text: one string, the items (assignments, sort keys, columns) separated by commas
as in the text form; an array of item strings is read too. LIMIT and OFFSET take a number,
WITH_TIES true or false. Why this shape (measured in docs/benchmarks.md "Wire forms"):
the step stays a JSON object, so strict mode and step-level repair still apply, while the
plan costs about what the p-SQL text costs.

Reading builds the step's p-SQL text from its clauses and parses it once with the grammar's
step rule; a piece map sends every span back into the string it came from, so a diagnostic
says `/steps/0/DERIVE/0 1:7`, as for any string of the compact form.

    >>> from pesql.grammar.parse import parse_step
    >>> step_clauses(parse_step("GROUP_BY a COMPUTE n = COUNT(*)"), DEFAULT_NAMING)
    {'GROUP_BY': 'a', 'COMPUTE': 'n = COUNT(*)'}
    >>> clauses_text({"LIMIT": 3, "WITH_TIES": True}, "LIMIT", A.Pointer("/s"))[0]
    'LIMIT 3 WITH TIES'
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from typing import Any

from pesql.grammar import ast as A
from pesql.grammar.lowering_fields import json_type
from pesql.grammar.origin import make_span
from pesql.grammar.printer import expr_text, quote_name, step_text
from pesql.grammar.record import Record, record
from pesql.grammar.registry import DEFAULT_NAMING, Naming, fields_of, spec_of

JSONValue = Any

# step -> (key, field wire, text before the value); the first key is the step's own name.
CLAUSES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "FILTER": (("FILTER", "where", ""),),
    "SELECT": (("SELECT", "columns", ""),),
    "DROP": (("DROP", "columns", ""),),
    "DERIVE": (("DERIVE", "columns", ""),),
    "GROUP_BY": (("GROUP_BY", "keys", ""), ("COMPUTE", "aggregates", "COMPUTE")),
    "AGGREGATE": (("AGGREGATE", "aggregates", ""),),
    "SORT": (("SORT", "keys", ""),),
    "LIMIT": (
        ("LIMIT", "count", ""),
        ("OFFSET", "offset", "OFFSET"),
        ("WITH_TIES", "with_ties", ""),
    ),
    "DISTINCT": (("DISTINCT", "columns", ""),),
    "WINDOW": (
        ("WINDOW", "columns", ""),
        ("PARTITION_BY", "partition_by", "PARTITION BY"),
        ("ORDER_BY", "order_by", "ORDER BY"),
    ),
    # The text writes the kind first (`JOIN LEFT planes ON a = b`).
    "JOIN": (("KIND", "kind", ""), ("JOIN", "table", ""), ("ON", "on", "ON")),
    "LOOKUP": (("LOOKUP", "table", ""), ("ON", "on", "ON")),
}
_FLAGS = {"WITH_TIES": "WITH TIES"}  # boolean clauses: the words when true, nothing when false


# --- printing ----------------------------------------------------------------------------
def step_clauses(step: A.Step, naming: Naming = DEFAULT_NAMING) -> dict[str, JSONValue]:
    """The compact step object of `step`: its clauses, defaults left out, step name first."""
    spec = spec_of(step)
    fields = {f.wire: f for f in fields_of(type(step))}
    out: dict[str, JSONValue] = {naming.exposed(spec.name): None}
    for key, wire, _ in CLAUSES[spec.name]:
        f = fields[wire]
        value = getattr(step, f.name)
        if key != spec.name and (value == f.default and type(value) is type(f.default)):
            continue
        out[naming.exposed(spec.name) if key == spec.name else key] = _value(value, f.kind)
    return out


def _value(value: JSONValue, kind: str) -> JSONValue:
    match value:
        case tuple():
            return ", ".join(_item(v) for v in value)
        case A.Expr():
            return expr_text(value)
        case str() if kind == "table":
            return quote_name(value)
        case str():  # JOIN's kind, written as the text writes it
            return value.upper()
    return value


def _item(item: object) -> str:
    match item:
        case str():
            return quote_name(item)
        case A.Assign(name=name, expr=expr):
            return f"{quote_name(name)} = {expr_text(expr)}"
        case A.JoinKey(left=left, right=right):
            return f"{quote_name(left)} = {quote_name(right)}"
        case A.SortKey() | A.SelectItem():
            # The text form's own item (`x DESC`, `a AS b`): a one-item step's text.
            return step_text(_holder(item)).split(" ", 1)[1]
    raise TypeError(f"not a clause item: {item!r}")


def _holder(item: A.SortKey | A.SelectItem) -> A.Step:
    from pesql.grammar.ops import rows

    if isinstance(item, A.SortKey):
        return rows.Sort(keys=(item,))
    return rows.Select(columns=(item,))


# --- reading -----------------------------------------------------------------------------
@record(kw_only=False)
class Piece(Record):
    """Where one JSON string sits in the step text built from the clauses."""

    pointer: A.Pointer
    line: int
    column: int
    end_line: int
    end_column: int

    def holds(self, span: A.Span) -> bool:
        start = (self.line, self.column) <= (span.line, span.column)
        return start and (span.end_line, span.end_column) <= (self.end_line, self.end_column)

    def inside(self, span: A.Span) -> A.InString:
        def shift(line: int, column: int) -> tuple[int, int]:
            if line == self.line:
                return 1, column - self.column + 1
            return line - self.line + 1, column

        start, end = shift(span.line, span.column), shift(span.end_line, span.end_column)
        return A.InString(self.pointer, A.Span(*start, *end))


class PieceMap:
    """The place of a node of the step text: the string it came from (`InString`), or the
    step object's pointer for the text the clauses' keys stand for.

    Called once per node as the reader builds it, so the usual case, a step text on one line
    (no string with a newline), finds the piece by bisection on its start column."""

    __slots__ = ("_at", "_columns", "_one_line", "pieces")

    def __init__(self, pieces: list[Piece], at: A.Pointer, one_line: bool) -> None:
        self.pieces = pieces
        self._at = at
        self._one_line = one_line
        self._columns = [p.column for p in pieces]  # ascending: pieces are written in order

    def __call__(self, origin: A.Origin | None) -> A.Origin:
        if origin.__class__ is not A.Span:
            return self._at
        assert isinstance(origin, A.Span)
        if self._one_line:
            return self._on_the_line(origin.column, origin.end_column)
        for piece in self.pieces:
            if piece.holds(origin):
                return piece.inside(origin)
        return self._at

    def offsets(self, start: int, end: int) -> A.Origin:
        """The place of the text from offset `start` to `end` of a one-line step text (what
        `self(Span(1, start + 1, 1, end + 1))` is, without that Span): the descent reader
        asks this once per node it builds, and only of one-line text."""
        return self._on_the_line(start + 1, end + 1)

    def _on_the_line(self, column: int, end_column: int) -> A.Origin:
        k = bisect_right(self._columns, column) - 1
        if k >= 0:
            piece = self.pieces[k]
            if end_column <= piece.end_column:
                shift = piece.column - 1
                span = make_span(1, column - shift, 1, end_column - shift)
                return A.InString(piece.pointer, span)
        return self._at


class _Text:
    """The step text under construction, with the place of every piece in it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.line, self.column = 1, 1
        self.pieces: list[Piece] = []

    def add(self, text: str, pointer: A.Pointer | None = None, after: str = "") -> None:
        if self.parts:
            self._write(" ")
        line, column = self.line, self.column
        self._write(text)
        if pointer is not None:
            self.pieces.append(Piece(pointer, line, column, self.line, self.column))
        if after:
            self._write(after)

    def _write(self, text: str) -> None:
        self.parts.append(text)
        if "\n" in text:
            lines = text.split("\n")
            self.line += len(lines) - 1
            self.column = len(lines[-1]) + 1
        else:
            self.column += len(text)


class ClauseError(Exception):
    """A clause value of the wrong JSON type: (pointer, expected, found)."""

    def __init__(self, pointer: A.Pointer, expected: str, found: str) -> None:
        super().__init__(pointer, expected, found)
        self.pointer, self.expected, self.found = pointer, expected, found


def clauses_text(
    raw: Mapping[str, JSONValue], step: str, at: A.Pointer
) -> tuple[str, PieceMap, list[str]]:
    """The p-SQL text of the step object `raw` (a step named `step`), the map of its pieces,
    and the keys it does not know. Raises `ClauseError` for a value of the wrong JSON type."""
    clauses = CLAUSES[step]
    known = {key for key, _, _ in clauses}
    first = next(iter(raw))  # the step's name as the model wrote it (any case, an alias)
    unknown = [k for k in raw if k != first and k.upper() not in known]
    values = {(step if k == first else k.upper()): (k, v) for k, v in raw.items()}
    text = _Text()
    text.add(step)  # canonical: the grammar's keywords know no profile's renames
    for key, _, prefix in clauses:
        if key not in values or values[key][1] is None:
            continue
        name, value = values[key]
        where = at.child(name)
        if key in _FLAGS:
            if not isinstance(value, bool):
                raise ClauseError(where, "true or false", json_type(value))
            if value:
                text.add(_FLAGS[key])
            continue
        if prefix:
            text.add(prefix)
        if isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    raise ClauseError(where.child(i), "a p-SQL string", json_type(item))
                text.add(item, where.child(i), "," if i < len(value) - 1 else "")
        elif isinstance(value, str | int) and not isinstance(value, bool):
            text.add(str(value), where)
        else:
            raise ClauseError(where, "a p-SQL string or an array of them", json_type(value))
    return "".join(text.parts), PieceMap(text.pieces, at, text.line == 1), unknown


__all__ = ["CLAUSES", "ClauseError", "Piece", "PieceMap", "clauses_text", "step_clauses"]
