"""One `examples.jsonl` line -> an `Example`, with every problem as (Diagnostic, JSON pointer).

    >>> example, problems = parse_line('{"id": "a"}', 3, Path("ds"), {"t"})
    >>> [(d.code, d.origin.line, ptr) for d, ptr in problems]
    [('E602', 3, ''), ...]

The Diagnostic's origin is a Span on the JSONL line (the column of the property's key when the
problem is inside one); the pointer says where within the line's JSON value (`/plan/steps/0`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl
from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import Diagnostic, PesqlError, Pointer, Span
from pesql.grammar.jsonform import json_type
from pesql.grammar.numbers import first_surrogate
from pesql.runtime.evals.answers import Answer, Compare, FrameCompare, WtqCompare
from pesql.runtime.evals.datasets.example import ID_PATTERN, PROPERTIES, REQUIRED, Example

Problems = list[tuple[Diagnostic, str]]
ORDERS = ("ordered", "bag", "set")
COLUMN_NAMES = ("required", "ignored")
SOURCES = ("duckdb", "pesql", "manual")
NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class _Line:
    def __init__(self, text: str, number: int) -> None:
        self.text, self.number = text, number
        self.problems: Problems = []

    def span(self, pointer: str) -> Span:
        key = pointer.split("/")[1] if pointer.count("/") else ""
        at = self.text.find(json.dumps(key)) if key else -1
        column = at + 1 if at >= 0 else 1
        return Span(self.number, column, self.number, column + (len(key) + 2 if at >= 0 else 1))

    def add(self, code: str, pointer: str, **kw: Any) -> None:
        self.problems.append((Diagnostic.make(code, self.span(pointer), **kw), pointer))

    def wrong(self, pointer: str, expected: str, value: Any) -> None:
        prop = pointer.rsplit("/", 1)[-1]
        self.add("E603", pointer, prop=prop, expected=expected, found=_shown(value))


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else json_type(value)


def parse_line(
    text: str, number: int, root: Path, tables: set[str]
) -> tuple[Example | None, Problems]:
    """Parse one line; the Example is None when the line has any error."""
    line = _Line(text, number)
    try:
        obj = json.loads(text)
    except ValueError as exc:
        line.add("E601", "", problem=str(exc), hints=("one example per line, as one JSON object",))
        return None, line.problems
    if not isinstance(obj, dict):
        line.add("E601", "", problem=f"found {json_type(obj)}")
        return None, line.problems
    if (pointer := _surrogate_at(obj, "")) is not None:
        # A lone surrogate cannot be written to a terminal, a file or a model request.
        prop = pointer.rsplit("/", 1)[-1]
        line.add("E603", pointer, prop=prop, expected="valid Unicode", found="a lone surrogate")
        return None, line.problems
    for key in obj:
        if key not in PROPERTIES:
            line.add("E604", f"/{key}", prop=key, hints=("properties: " + ", ".join(PROPERTIES),))
    answer_only = isinstance(obj.get("compare"), dict) and obj["compare"].get("mode") == "wtq"
    required = REQUIRED + (("answers",) if answer_only else ("expected",))
    for key in required:
        if key not in obj:
            line.add("E602", "", prop=key)
    if line.problems:
        return None, line.problems
    example = _build(obj, line, root, tables, answer_only)
    return (example if not line.problems else None), line.problems


def _surrogate_at(value: Any, pointer: str) -> str | None:
    """The JSON pointer of the first string (or key) holding a lone surrogate, or None."""
    stack = [(value, pointer)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, str):
            if first_surrogate(item) is not None:
                return at
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                shown = key.encode("utf-8", "backslashreplace").decode("utf-8")
                child_at = Pointer(at).child(shown).path
                if shown != key:  # the key itself, shown escaped
                    return child_at
                stack.append((child, child_at))
        elif isinstance(item, list):
            stack += [(child, f"{at}/{i}") for i, child in reversed(list(enumerate(item)))]
    return None


def _text(obj: dict[str, Any], key: str, line: _Line, nullable: bool = False) -> str | None:
    value = obj.get(key)
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value.strip():
        line.wrong(f"/{key}", "a non-empty string" + (" or null" if nullable else ""), value)
        return None
    return value


def _strings(obj: dict[str, Any], key: str, line: _Line, minimum: int = 0) -> tuple[str, ...]:
    value = obj.get(key, [])
    if (
        not isinstance(value, list)
        or len(value) < minimum
        or not all(isinstance(v, str) for v in value)
    ):
        line.wrong(f"/{key}", f"an array of at least {minimum} strings", value)
        return ()
    return tuple(value)


def _build(
    obj: dict[str, Any], line: _Line, root: Path, tables: set[str], answer_only: bool
) -> Example | None:
    ident = _text(obj, "id", line) or ""
    if ident and not ID_PATTERN.fullmatch(ident):
        line.wrong("/id", "letters, digits and _ . : -", ident)
    question = _text(obj, "question", line) or ""
    names = _strings(obj, "tables", line, minimum=1)
    for i, name in enumerate(names):
        if name not in tables:
            known = ", ".join(sorted(tables)) or "none"
            line.add("E606", f"/tables/{i}", name=name, hints=(f"tables: {known}",))
    compare = _compare(obj["compare"], line)
    plan = _plan(obj["plan"], line, ident, nullable=answer_only)
    source = obj.get("expected_source", "manual")
    if source not in SOURCES:
        line.wrong("/expected_source", " or ".join(SOURCES), source)
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        line.wrong("/meta", "an object", meta)
    answers = canon = None
    expected, expected_file = None, None
    if answer_only:
        answers = _strings(obj, "answers", line, minimum=1)
        if obj.get("answers_canon") is not None:
            canon = _strings(obj, "answers_canon", line)
            if len(canon) != len(answers):
                line.wrong("/answers_canon", f"{len(answers)} strings (one per answer)", canon)
        if obj.get("expected") is not None:
            line.wrong("/expected", "null (answer-only example)", obj["expected"])
    else:
        expected, expected_file = _expected(obj["expected"], line, root)
    reference_sql = _text(obj, "reference_sql", line, nullable=True)
    tags = _strings(obj, "tags", line)
    if line.problems or compare is None:
        return None
    return Example(
        id=ident,
        question=question,
        tables=names,
        plan=plan,
        raw_plan=obj["plan"],
        expected=expected,
        compare=compare,
        line=line.number,
        expected_file=expected_file,
        expected_source=source,
        reference_sql=reference_sql,
        answers=answers,
        answers_canon=canon,
        tags=tags,
        meta=meta if isinstance(meta, dict) else {},
    )


def _compare(value: Any, line: _Line) -> Compare | None:
    if not isinstance(value, dict):
        line.wrong("/compare", "an object", value)
        return None
    if "mode" in value:
        if value != {"mode": "wtq"}:
            line.wrong("/compare/mode", '{"mode": "wtq"} and nothing else', value)
            return None
        return WtqCompare()
    default = FrameCompare()
    for key in value:
        if key not in ("order", "column_names", "float_tol", "nan_equals_null"):
            line.add("E604", f"/compare/{key}", prop=key)
    order = value.get("order", default.order)
    names = value.get("column_names", default.column_names)
    tol = value.get("float_tol", default.float_tol)
    nan_null = value.get("nan_equals_null", default.nan_equals_null)
    if order not in ORDERS:
        line.wrong("/compare/order", " or ".join(ORDERS), order)
    if names not in COLUMN_NAMES:
        line.wrong("/compare/column_names", " or ".join(COLUMN_NAMES), names)
    if isinstance(tol, bool) or not isinstance(tol, int | float) or not 0 <= tol < 1:
        line.wrong("/compare/float_tol", "a number in [0, 1)", tol)
    if not isinstance(nan_null, bool):
        line.wrong("/compare/nan_equals_null", "true or false", nan_null)
    if line.problems:
        return None
    return FrameCompare(order, names, float(tol), nan_null)


def _plan(value: Any, line: _Line, ident: str, nullable: bool) -> Plan | None:
    from pesql.grammar.jsonform import from_json
    from pesql.grammar.parse import parse

    if value is None and nullable:
        return None
    if not isinstance(value, dict | str):
        line.wrong("/plan", "a plan object or p-SQL text" + (" or null" if nullable else ""), value)
        return None
    try:
        return from_json(value) if isinstance(value, dict) else parse(value)
    except PesqlError as exc:
        for d in exc.diagnostics:
            inner = d.origin.path if isinstance(d.origin, Pointer) else ""
            hints = d.hints
            if isinstance(d.origin, Span):
                hints = (f"in the p-SQL text at {d.origin}", *hints)
            line.add(
                "E610", "/plan" + inner, name=ident, hints=hints, problem=f"[{d.code}] {d.message}"
            )
        return None


def _expected(value: Any, line: _Line, root: Path) -> tuple[Answer | None, str | None]:
    if isinstance(value, dict) and set(value) == {"file"} and isinstance(value["file"], str):
        path = root / value["file"]
        try:
            frame = pl.read_csv(path, infer_schema=False)
        except Exception as exc:  # polars and the OS raise many types for one cause
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            line.add("E605", "/expected/file", name=str(path), problem=first)
            return None, None
        rows = tuple(tuple(row) for row in frame.iter_rows())
        return Answer(tuple(frame.columns), rows), value["file"]
    if not isinstance(value, dict) or set(value) != {"columns", "rows"}:
        line.wrong("/expected", '{"columns": [...], "rows": [...]} or {"file": PATH}', value)
        return None, None
    columns, rows = value["columns"], value["rows"]
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        line.wrong("/expected/columns", "an array of strings", columns)
        return None, None
    if not isinstance(rows, list):
        line.wrong("/expected/rows", "an array of rows", rows)
        return None, None
    decoded = []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(columns):
            line.wrong(f"/expected/rows/{i}", f"an array of {len(columns)} cells", row)
            return None, None
        decoded.append(
            tuple(_decode_cell(c, line, f"/expected/rows/{i}/{j}") for j, c in enumerate(row))
        )
    return Answer(tuple(columns), tuple(decoded)), None


def _decode_cell(cell: Any, line: _Line, pointer: str) -> Any:
    if isinstance(cell, dict):
        if set(cell) == {"float"} and cell["float"] in NON_FINITE:
            return NON_FINITE[cell["float"]]
        line.wrong(pointer, 'a JSON scalar or {"float": "NaN" | "Infinity" | "-Infinity"}', cell)
        return None
    if isinstance(cell, list):
        line.wrong(pointer, "a JSON scalar", cell)
    return cell
