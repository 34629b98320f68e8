"""Comparing two result frames the way p-SQL defines "the same answer".

Column names and order must agree; values are compared by their p-SQL meaning rather than
their polars type (an Int64 equals the same value as Decimal, a Float64 within `rel_tol`);
nulls equal nulls. `ordered=False` compares the rows as a bag (multiset) with
`unmatched_row`, the one bag comparison of pesql (evaluation grading uses it too, with its own
cell rules: runtime/evals/answers.py).

    >>> import polars as pl
    >>> frames_equal(pl.DataFrame({"x": [1.0, None]}), pl.DataFrame({"x": [1.0 + 1e-12, None]}),
    ...              ordered=True)
    (True, '')
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import polars as pl

__all__ = ["frames_equal", "unmatched_row", "values_equal"]

Row = TypeVar("Row")


def values_equal(a: Any, b: Any, rel_tol: float = 1e-9, abs_tol: float = 1e-12) -> bool:
    """Two cell values are the same answer: nulls match, numbers within `rel_tol` (or
    `abs_tol`: the floor for values that should be 0 but carry rounding noise)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float | decimal.Decimal) and isinstance(
        b, int | float | decimal.Decimal
    ):
        x, y = float(a), float(b)
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return math.isclose(x, y, rel_tol=rel_tol, abs_tol=abs_tol)
    if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
        return False
    return bool(a == b)


def frames_equal(
    a: pl.DataFrame,
    b: pl.DataFrame,
    *,
    ordered: bool,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
) -> tuple[bool, str]:
    """Whether `a` and `b` hold the same result; the second item says where they differ."""
    if a.columns != b.columns:
        return False, f"columns differ: {a.columns} vs {b.columns}"
    if a.height != b.height:
        return False, f"row counts differ: {a.height} vs {b.height}"
    left, right = a.rows(), b.rows()
    if not ordered:
        return _bags_equal(left, right, a.columns, rel_tol, abs_tol)
    for i, (x, y) in enumerate(zip(left, right, strict=True)):
        for name, u, v in zip(a.columns, x, y, strict=True):
            if not values_equal(u, v, rel_tol, abs_tol):
                return False, f"row {i}, column {name!r}: {u!r} vs {v!r}"
    return True, ""


def unmatched_row(
    left: Sequence[Row],
    right: Sequence[Row],
    *,
    key: Callable[[Row], Hashable],
    same: Callable[[Row, Row], bool],
) -> list[Row]:
    """Compare two bags (multisets) of rows of equal length: [] when every row of `left` pairs
    with its own row of `right`, else [the first row of `left` without a partner].

    Exact matches are paired first (cheap, via a multiset of `key`s, which must be equal for
    rows that are exactly the same answer); what remains is paired greedily under `same`, which
    suffices for rows that differ by rounding noise (a pathological table whose rows are all
    within tolerance of each other can be misjudged).

        >>> unmatched_row([1.0, 2.0, 2.0], [2.0, 1.0 + 1e-12, 2.0], key=float,
        ...               same=lambda a, b: abs(a - b) < 1e-9)
        []
        >>> unmatched_row([1, 1], [1, 2], key=int, same=int.__eq__)
        [1]
    """
    pending = Counter(key(r) for r in right)
    rest_left = []
    for row in left:
        k = key(row)
        if pending[k] > 0:
            pending[k] -= 1
        else:
            rest_left.append(row)
    rest_right = []
    for row in right:
        k = key(row)
        if pending[k] > 0:  # unmatched copies of this row remain
            pending[k] -= 1
            rest_right.append(row)
    for row in rest_left:
        match = next((j for j, other in enumerate(rest_right) if same(row, other)), None)
        if match is None:
            return [row]
        rest_right.pop(match)
    return []


def _bags_equal(
    left: Sequence[tuple[Any, ...]],
    right: Sequence[tuple[Any, ...]],
    columns: Sequence[str],
    rel_tol: float,
    abs_tol: float,
) -> tuple[bool, str]:
    def same(x: tuple[Any, ...], y: tuple[Any, ...]) -> bool:
        return all(values_equal(u, v, rel_tol, abs_tol) for u, v in zip(x, y, strict=True))

    unmatched = unmatched_row(left, right, key=_key, same=same)
    if unmatched:
        shown = dict(zip(columns, unmatched[0], strict=True))
        return False, f"row {shown!r} of the first frame has no match in the second"
    return True, ""


def _key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    def norm(v: Any) -> Any:
        if isinstance(v, bool) or v is None:
            return (type(v).__name__, v)
        if isinstance(v, int | float | decimal.Decimal):
            return ("number", float(v))
        return (type(v).__name__, v)

    return tuple(norm(v) for v in row)
