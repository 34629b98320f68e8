"""Grading results: frame comparison modes, and WikiTableQuestions answer strings.

    >>> mode = FrameCompare(order="set", column_names="ignored", float_tol=1e-6)
    >>> same_result(Answer(("n",), ((1,), (1,), (2.0,))), Answer(("x",), ((2,), (1,))), mode)
    (True, '')

Cells are compared in their JSON form (`json_cell`): dates as ISO strings, NaN as
`{"float": "NaN"}` in files and `float("nan")` in memory. Bag comparison is the engine's
(`pesql.runtime.engine.compare.unmatched_row`): exactly equal rows are paired first, the rest
greedily within the float tolerance.
WTQ answers are graded by `wtq_match` (the official evaluator's rules, in `wtq_evaluator`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import polars as pl
from pesql.runtime.engine.compare import unmatched_row
from pesql.runtime.evals.wtq_evaluator import wtq_match, wtq_normalize

__all__ = [
    "Answer",
    "Compare",
    "FrameCompare",
    "WtqCompare",
    "answer_of",
    "json_cell",
    "result_strings",
    "same_result",
    "wtq_match",
    "wtq_normalize",
]

Order = Literal["ordered", "bag", "set"]
ColumnNames = Literal["required", "ignored"]
Cell: TypeAlias = Any  # None, bool, int, float (NaN included), str


@dataclass(frozen=True, slots=True)
class FrameCompare:
    """How a result frame is compared with the expected one (docs/datasets.md, `compare`)."""

    order: Order = "bag"
    column_names: ColumnNames = "ignored"
    float_tol: float = 1e-6
    nan_equals_null: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "column_names": self.column_names,
            "float_tol": self.float_tol,
            "nan_equals_null": self.nan_equals_null,
        }


@dataclass(frozen=True, slots=True)
class WtqCompare:
    """Answer strings graded by the WikiTableQuestions evaluator."""

    def to_json(self) -> dict[str, Any]:
        return {"mode": "wtq"}


Compare: TypeAlias = FrameCompare | WtqCompare


@dataclass(frozen=True, slots=True)
class Answer:
    """A result as plain values: column names and rows of JSON-like cells."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def json_cell(value: Any) -> Cell:
    """A polars/DuckDB cell as a JSON-like value (dates -> ISO text, durations -> seconds)."""
    match value:
        case None | bool() | int() | str():
            return value
        case float():
            return value
        case decimal.Decimal():
            return float(value)
        case dt.datetime():
            return value.isoformat(sep=" ")
        case dt.date() | dt.time():
            return value.isoformat()
        case dt.timedelta():
            return value.total_seconds()
    return str(value)


def answer_of(frame: pl.DataFrame) -> Answer:
    """The plain-value form of a result frame."""
    return Answer(
        tuple(frame.columns), tuple(tuple(json_cell(v) for v in row) for row in frame.iter_rows())
    )


def _number(value: Cell) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):  # text from an expected CSV file
        try:
            return float(value.replace(",", "")) if value.strip() else None
        except ValueError:
            return None
    return None


def cells_equal(a: Cell, b: Cell, mode: FrameCompare) -> bool:
    """One cell against another under `mode` (numbers as numbers, NaN and null per the mode)."""
    if mode.nan_equals_null:
        a = None if isinstance(a, float) and math.isnan(a) else a
        b = None if isinstance(b, float) and math.isnan(b) else b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return bool(a == b) and type(a) is type(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= mode.float_tol * max(1.0, abs(x), abs(y))


def _key(row: tuple[Cell, ...], mode: FrameCompare) -> tuple[Any, ...]:
    def norm(v: Cell) -> Any:
        if v is None:
            return None
        if isinstance(v, float) and math.isnan(v):
            return None if mode.nan_equals_null else ("nan",)
        number = None if isinstance(v, str) else _number(v)
        return ("n", number) if number is not None else (type(v).__name__, v)

    return tuple(norm(v) for v in row)


def same_result(actual: Answer, expected: Answer, mode: FrameCompare) -> tuple[bool, str]:
    """Whether `actual` answers like `expected`; the text says where they first differ."""
    if mode.column_names == "required" and actual.columns != expected.columns:
        return False, f"columns {list(actual.columns)} instead of {list(expected.columns)}"
    if len(actual.columns) != len(expected.columns):
        return False, f"{len(actual.columns)} columns instead of {len(expected.columns)}"
    left, right = list(actual.rows), list(expected.rows)
    if mode.order == "set":
        left = list({_key(r, mode): r for r in left}.values())
        right = list({_key(r, mode): r for r in right}.values())
    if len(left) != len(right):
        what = "distinct rows" if mode.order == "set" else "rows"
        return False, f"{len(left)} {what} instead of {len(right)}"
    if mode.order == "ordered":
        for i, (x, y) in enumerate(zip(left, right, strict=True)):
            for j, (u, v) in enumerate(zip(x, y, strict=True)):
                if not cells_equal(u, v, mode):
                    return False, f"row {i}, column {j} ({expected.columns[j]}): {u!r} vs {v!r}"
        return True, ""
    return _bags_equal(left, right, mode)


def _bags_equal(
    left: list[tuple[Cell, ...]], right: list[tuple[Cell, ...]], mode: FrameCompare
) -> tuple[bool, str]:
    def same(x: tuple[Cell, ...], y: tuple[Cell, ...]) -> bool:
        return all(cells_equal(u, v, mode) for u, v in zip(x, y, strict=True))

    unmatched = unmatched_row(left, right, key=lambda r: _key(r, mode), same=same)
    if unmatched:
        return False, f"row {list(unmatched[0])!r} is not expected"
    return True, ""


def result_strings(answer: Answer) -> list[str]:
    """A result's cells, row by row, as the strings a WTQ prediction holds (null -> "")."""
    out = []
    for row in answer.rows:
        for cell in row:
            if cell is None:
                out.append("")
            elif isinstance(cell, bool):
                out.append(str(cell).lower())
            elif isinstance(cell, float) and cell.is_integer():
                out.append(str(int(cell)))
            else:
                out.append(str(cell))
    return out
