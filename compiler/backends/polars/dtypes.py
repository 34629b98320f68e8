"""The mapping between p-SQL types and polars types, and checker schemas of polars frames.

The checker (compiler/check) knows only p-SQL types; this module, on the polars side of the
boundary, says what each one is in polars and reads a polars schema as a checker `Schema`:

    >>> import polars as pl
    >>> schema = schema_from_polars({"n": pl.UInt8(), "tags": pl.List(pl.String)})
    >>> schema.get("n")
    ColumnType(dtype='integer', nullable=True, unsupported=None)
    >>> schema.get("tags")
    ColumnType(dtype='null', nullable=True, unsupported='List(String)')
    >>> polars_dtype("decimal")
    Decimal(precision=38, scale=9)

polars types p-SQL cannot express (List, Struct, Binary, Object, Time, ...) do not make a
table unusable: `schema_from_polars` keeps such a column with `unsupported` set to the polars
type, and the checker reports E217 only when a plan refers to it by name.

p-SQL's `integer` is 64 bits and its `float` is a double, whatever width a frame stores them
in: `widened` reads narrower columns as Int64 and Float64 (and text kept as Categorical or
Enum as String) before a plan runs, so that a sum of an Int32 column, or `a - b` of two UInt8
columns, is not computed (and wrapped) at the column's width:

    >>> frame = pl.LazyFrame({"pop": [2_000_000_000] * 2}, schema={"pop": pl.Int32})
    >>> frame.select(pl.col("pop").sum()).collect().item()  # polars: the sum wraps at 32 bits
    -294967296
    >>> widened(frame).select(pl.col("pop").sum()).collect().item()
    4000000000
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
from pesql.compiler.backends.polars.names import col
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.grammar.types import DType


class UnsupportedType(ValueError):
    """A polars type with no p-SQL counterpart (List, Struct, Binary, Object, Time, ...)."""


_POLARS: dict[DType, pl.DataType] = {
    "integer": pl.Int64(),
    "float": pl.Float64(),
    "decimal": pl.Decimal(38, 9),
    "string": pl.String(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "duration": pl.Duration("us"),
    "null": pl.Null(),
}


def polars_dtype(dtype: DType) -> pl.DataType:
    """The polars type a p-SQL dtype is materialized as (decimal: 38 digits, 9 after the point)."""
    return _POLARS[dtype]


def dtype_of_polars(dt: pl.DataType | type[pl.DataType]) -> DType:
    """The p-SQL dtype of a polars type; raises `UnsupportedType` for nested/binary/object/time."""
    if dt.is_integer():
        return "integer"
    if dt.is_float():
        return "float"
    if dt.is_decimal():
        return "decimal"
    # Categorical and Enum behave as text in every p-SQL operation.
    simple: list[tuple[type[pl.DataType], DType]] = [
        (pl.String, "string"),
        (pl.Categorical, "string"),
        (pl.Enum, "string"),
        (pl.Boolean, "boolean"),
        (pl.Date, "date"),
        # Time zones are kept by polars; p-SQL compares them as naive instants (docs/checking.md).
        (pl.Datetime, "datetime"),
        (pl.Duration, "duration"),
        (pl.Null, "null"),
    ]
    for cls, dtype in simple:
        if dt == cls or isinstance(dt, cls):
            return dtype
    raise UnsupportedType(f"p-SQL has no type for polars {dt}")


def schema_from_polars(schema: Mapping[str, pl.DataType]) -> Schema:
    """The checker `Schema` of a `pl.Schema` (or dict): every column nullable, unsupported
    types marked (`ColumnType("null", unsupported="List(String)")`)."""
    columns: list[tuple[str, ColumnType]] = []
    for name, dt in schema.items():
        try:
            columns.append((name, ColumnType(dtype_of_polars(dt))))
        except UnsupportedType:
            columns.append((name, ColumnType("null", unsupported=str(dt))))
    return Schema(tuple(columns))


def widened(frame: pl.LazyFrame, *, decimals: bool = True) -> pl.LazyFrame:
    """`frame` with every integer column as Int64, every float column as Float64, every
    Categorical or Enum as String, every datetime with a time zone as its wall-clock time
    there, and (with `decimals`) every decimal of fewer than 9 places as p-SQL's Decimal(38,
    9): the polars types of the p-SQL types the checker gave them.

    Integers of 8 to 32 bits convert exactly; an unsigned 64-bit (or 128-bit) value beyond
    Int64's range fails the run (E305) rather than wrap. polars multiplies decimals at the
    larger scale of the two (1.25 * 1.25 is 1.56 at two places), where SQL keeps every digit:
    at nine places the product of two money amounts is exact. (SQL engines multiply decimals
    exactly at any scale: their frames keep `decimals=False`.) A frame already of those types
    is returned as it is (the common case costs a look at its schema). Columns a plan never
    reads are not converted: polars drops them from the query before the cast runs."""
    try:
        schema = frame.collect_schema()
    except Exception:  # a file that cannot be read: collecting the plan reports it (E305)
        return frame
    casts = [
        wider
        for name, dt in schema.items()
        if (wider := _wider(col(name), dt, decimals)) is not None
    ]
    return frame.with_columns(casts) if casts else frame


def _wider(column: pl.Expr, dt: pl.DataType, decimals: bool) -> pl.Expr | None:
    """`column` as p-SQL reads a column of polars type `dt` (None: as it is)."""
    wider: pl.DataType | None = None
    if dt.is_integer():
        wider = None if dt == pl.Int64 else pl.Int64()
    elif dt.is_float():
        wider = None if dt == pl.Float64 else pl.Float64()
    elif decimals and isinstance(dt, pl.Decimal) and (dt.scale or 0) < 9:
        wider = _POLARS["decimal"]
    elif isinstance(dt, pl.Categorical | pl.Enum):
        # Text in every p-SQL operation: polars orders an Enum by its categories (MIN of
        # ['zebra', 'apple'] declared in that order is 'zebra') and refuses both in LIKE.
        wider = pl.String()
    elif isinstance(dt, pl.Datetime) and dt.time_zone is not None:
        # p-SQL's datetimes are naive: one with a zone is its wall-clock time there. polars
        # took YEAR of 2024-01-01 00:30 Berlin in Berlin (2024), DuckDB in UTC (2023).
        return column.dt.replace_time_zone(None)
    return None if wider is None else column.cast(wider, strict=True)


__all__ = [
    "UnsupportedType",
    "dtype_of_polars",
    "polars_dtype",
    "schema_from_polars",
    "widened",
]
