"""Typed hypothesis strategies: schemas, tables that fit them, well-typed expressions and plans.

Used for execution fuzzing (polars backend), SQL/DuckDB differential tests and optimizer
equivalence tests; every generated plan passes `check` (tests/runtime/test_strategies.py).

    >>> from hypothesis import given
    >>> @given(schemas_and_tables().flatmap(lambda st_: well_typed_plans(st_[0]).map(
    ...     lambda plan: (st_[1], plan))))
    ... def test_runs(case): ...

Value ranges are "extreme but finite": integers up to +-10**12, floats up to +-10**12 with no
NaN or infinity, dates 1900-2100; generated expressions only scale by small literals, so
SUMs and products stay far from int64 overflow (engines disagree on overflow).
What `well_typed_plans` leaves out and why: see `expr_strategies` and docs/checking.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import polars_dtype
from pesql.compiler.check.check import check
from pesql.compiler.check.resolve import loose_key
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.grammar import ast as A
from pesql.grammar.types import DType
from pesql.runtime.testing.strategies.exprs import DECIMALS, well_typed_exprs
from pesql.runtime.testing.strategies.plans import step_for

DEFAULT_DTYPES: tuple[DType, ...] = ("integer", "float", "string", "boolean", "date", "datetime")

_PLAIN = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
# Names a model meets in real tables: spaces, accents, symbols, keywords, other scripts; and
# names polars would read as patterns (`pl.col("*")`, `pl.col("^y.*$")`), which every query
# pesql builds must read literally (compiler/backends/polars/names.py).
_ODD = st.sampled_from(
    ["unit price", "Größe", "naïve col", "prix €", "x  y", "year", "select", "数量", "a-b", "ÉTÉ",
     "*", "^y.*$", "^year$"]
)  # fmt: skip


def column_names() -> st.SearchStrategy[str]:
    """Mostly plain identifiers, sometimes names that need quoting."""
    return st.one_of(_PLAIN, _PLAIN, _PLAIN, _ODD)


def schemas(
    max_columns: int = 6, dtypes: Sequence[DType] = DEFAULT_DTYPES
) -> st.SearchStrategy[Schema]:
    """Schemas of 1..max_columns columns with distinct (even loosely) names."""

    @st.composite
    def build(draw: st.DrawFn) -> Schema:
        names = draw(
            st.lists(column_names(), min_size=1, max_size=max_columns, unique_by=loose_key)
        )
        types = [
            ColumnType(draw(st.sampled_from(list(dtypes))), draw(st.booleans())) for _ in names
        ]
        return Schema(tuple(zip(names, types, strict=True)))

    return build()


def _values(dtype: DType) -> st.SearchStrategy[Any]:
    match dtype:
        case "integer":
            return st.one_of(
                st.integers(-20, 20),
                st.integers(-(10**12), 10**12),
                st.sampled_from([0, 1, -1, 10**12, -(10**12)]),
            )
        case "float":
            return st.one_of(
                st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False),
                st.floats(
                    -1e12, 1e12, allow_nan=False, allow_infinity=False, allow_subnormal=False
                ),
                st.sampled_from([0.0, 0.5, -1.25, 1e12]),
            )
        case "decimal":
            return DECIMALS
        case "string":
            alphabet = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
            return st.one_of(
                st.sampled_from(["", "a", "A", "Adelie", "x y", " a ", "é"]),
                st.text(alphabet, max_size=8),
            )
        case "boolean":
            return st.booleans()
        case "date":
            return st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
        case "datetime":
            return st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 12, 31))
        case "duration":
            return st.timedeltas(dt.timedelta(days=-1000), dt.timedelta(days=1000))
    return st.none()


def tables(schema: Schema, max_rows: int = 20) -> st.SearchStrategy[pl.DataFrame]:
    """Frames with `schema`'s polars types: nulls only in nullable columns, duplicates, ties,
    empty frames. Values come from a small per-column pool, so equal values are common."""

    @st.composite
    def build(draw: st.DrawFn) -> pl.DataFrame:
        rows = draw(st.integers(0, max_rows))
        data: dict[str, pl.Series] = {}
        for name, ctype in schema.items():
            values = _values(ctype.dtype)
            if ctype.nullable:
                values = st.one_of(st.none(), values)
            pool = draw(st.lists(values, min_size=1, max_size=max(1, rows)))
            column = [draw(st.sampled_from(pool)) for _ in range(rows)]
            # Named after it is built: polars converts dates through `pl.col(name)`, which
            # fails for a name it reads as a pattern (engine/sql.py rows_to_frame likewise).
            data[name] = pl.Series("", column, dtype=polars_dtype(ctype.dtype)).alias(name)
        return pl.DataFrame(data)

    return build()


def schemas_and_tables(
    max_columns: int = 6, max_rows: int = 20, dtypes: Sequence[DType] = DEFAULT_DTYPES
) -> st.SearchStrategy[tuple[Schema, pl.DataFrame]]:
    """A schema and a table of it."""
    return schemas(max_columns, dtypes).flatmap(
        lambda schema: tables(schema, max_rows).map(lambda frame: (schema, frame))
    )


def well_typed_plans(schema: Schema, max_steps: int = 5) -> st.SearchStrategy[A.Plan]:
    """Plans of 1..max_steps steps (every step kind) that `check` accepts over `schema`."""

    @st.composite
    def build(draw: st.DrawFn) -> A.Plan:
        count = draw(st.integers(1, max_steps))
        steps: list[A.Step] = []
        current = schema
        for _ in range(count):
            previous = steps[-1] if steps else None
            step = draw(step_for(current, previous))
            steps.append(step)
            # The checker is the oracle for the next schema: one source of truth.
            current = check(A.Plan(steps=tuple(steps)), schema).output_schema
        return A.Plan(steps=tuple(steps))

    return build()


__all__ = [
    "DEFAULT_DTYPES",
    "column_names",
    "schemas",
    "schemas_and_tables",
    "tables",
    "well_typed_exprs",
    "well_typed_plans",
]
