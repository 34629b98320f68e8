"""Grading results: frame comparison modes, and the WikiTableQuestions answer evaluator.

    >>> mode = FrameCompare(order="set", column_names="ignored", float_tol=1e-6)
    >>> same_result(Answer(("n",), ((1,), (1,), (2.0,))), Answer(("x",), ((2,), (1,))), mode)
    (True, '')
    >>> wtq_match(["1000"], ["1,000"], ["1000.0"]), wtq_match(["1000"], ["1,000"])
    (True, False)

Cells are compared in their JSON form (`json_cell`): dates as ISO strings, NaN as
`{"float": "NaN"}` in files and `float("nan")` in memory. Bag comparison first pairs exactly
equal rows, then pairs the rest greedily within the float tolerance (enough for rounding noise;
a pathological table whose rows are all within tolerance of each other can be misjudged).
The WTQ part follows the official `evaluator.py` (ppasupat/WikiTableQuestions) rule by rule;
like the official evaluator it does not strip articles or inner punctuation.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import polars as pl

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
    pending = Counter(_key(r, mode) for r in right)
    rest_left = []
    for row in left:
        key = _key(row, mode)
        if pending[key] > 0:
            pending[key] -= 1
        else:
            rest_left.append(row)
    rest_right = []
    for row in right:
        key = _key(row, mode)
        if pending[key] > 0:
            pending[key] -= 1
            rest_right.append(row)
    for row in rest_left:
        match = next(
            (
                j
                for j, other in enumerate(rest_right)
                if all(cells_equal(u, v, mode) for u, v in zip(row, other, strict=True))
            ),
            None,
        )
        if match is None:
            return False, f"row {list(row)!r} is not expected"
        rest_right.pop(match)
    return True, ""


# --- WikiTableQuestions: the official evaluator's rules -------------------------------------
def wtq_normalize(text: str) -> str:
    """evaluator.py `normalize`: diacritics, quotes and dashes, citations, parentheses, case."""
    x = "".join(c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn")
    x = re.sub(r"[‘’´`]", "'", x)
    x = re.sub(r"[“”]", '"', x)
    x = re.sub(r"[‐‑‒–—−]", "-", x)
    while True:
        old = x
        x = re.sub(r"((?<!^)\[[^\]]*\]|\[\d+\]|[•♦†‡*#+])*$", "", x.strip())
        x = re.sub(r"(?<!^)( \([^)]*\))*$", "", x.strip())
        x = re.sub(r'^"([^"]*)"$', r"\1", x.strip())
        if x == old:
            break
    if x and x[-1] == ".":
        x = x[:-1]
    return re.sub(r"\s+", " ", x).lower().strip()


@dataclass(frozen=True, slots=True, eq=False)
class _Value:
    kind: Literal["string", "number", "date"]
    normalized: str
    amount: float = 0.0
    ymd: tuple[int, int, int] = (0, 0, 0)

    def _ident(self) -> tuple[Any, ...]:
        # evaluator.py: strings equal by normalized text, numbers by amount, dates by ymd.
        if self.kind == "number":
            return ("number", self.amount)
        return (self.kind, self.ymd) if self.kind == "date" else ("string", self.normalized)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Value) and self._ident() == other._ident()

    def __hash__(self) -> int:
        return hash(self._ident())

    def match(self, other: _Value) -> bool:
        if self.normalized == other.normalized:
            return True
        if self.kind == "number" and other.kind == "number":
            return abs(self.amount - other.amount) < 1e-6
        return self.kind == "date" and other.kind == "date" and self.ymd == other.ymd


def _parse_number(text: str) -> float | None:
    if "_" in text:  # Python 2, which the official evaluator runs on, rejects "1_000"
        return None
    try:
        return int(text)
    except ValueError:
        try:
            amount = float(text)
        except ValueError:
            return None
        return None if math.isnan(amount) or math.isinf(amount) else amount


def _parse_date(text: str) -> tuple[int, int, int] | None:
    parts = text.lower().split("-")
    if len(parts) != 3 or "_" in text:
        return None
    try:
        year = -1 if parts[0] in ("xx", "xxxx") else int(parts[0])
        month = -1 if parts[1] == "xx" else int(parts[1])
        day = -1 if parts[2] == "xx" else int(parts[2])
    except ValueError:
        return None
    if year == month == day == -1 or not (month == -1 or 1 <= month <= 12):
        return None
    return (year, month, day) if day == -1 or 1 <= day <= 31 else None


def _number_value(amount: float, original: str) -> _Value:
    exact = float(round(amount)) if abs(amount - round(amount)) < 1e-6 else float(amount)
    return _Value("number", wtq_normalize(original), amount=exact)


def _to_value(original: str, canon: str | None = None) -> _Value:
    """evaluator.py `to_value`: number, then date (a bare year is a number), then string."""
    corenlp = canon or original
    amount = _parse_number(corenlp)
    if amount is not None:
        return _number_value(amount, original)
    ymd = _parse_date(corenlp)
    if ymd is not None:
        if ymd[1] == ymd[2] == -1:
            return _number_value(ymd[0], original)
        return _Value("date", wtq_normalize(original), ymd=ymd)
    return _Value("string", wtq_normalize(original))


def wtq_match(
    predicted: Sequence[str], answers: Sequence[str], canon: Sequence[str] | None = None
) -> bool:
    """evaluator.py `check_denotation`: the answer list as a set, each matched by a prediction."""
    if canon is not None and len(canon) != len(answers):
        raise ValueError("answers_canon must have one entry per answer")
    canonical: Sequence[str | None] = canon if canon is not None else [None] * len(answers)
    targets = {_to_value(a, c) for a, c in zip(answers, canonical, strict=True)}
    preds = {_to_value(p) for p in predicted}
    if len(targets) != len(preds):
        return False
    return all(any(t.match(p) for p in preds) for t in targets)


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
