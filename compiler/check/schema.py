"""Table schemas for the checker, and the mapping between p-SQL types and polars types.

A `Schema` is an ordered tuple of `(name, ColumnType)`; the checker computes one per step.

    >>> s = Schema.of({"price": "float", "n": ColumnType("integer", nullable=False)})
    >>> s.names(), s.get("n")
    (['price', 'n'], ColumnType(dtype='integer', nullable=False, unsupported=None))

polars types p-SQL cannot express (List, Struct, Binary, Object, Time, ...) do not make a
table unusable: `from_polars` keeps such a column with `unsupported` set to the polars type,
and the checker reports E217 only when a plan refers to it by name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import polars as pl
from pesql.grammar.types import NUMERIC_ORDER, DType

TEMPORAL_DTYPES: frozenset[DType] = frozenset({"date", "datetime"})


@dataclass(frozen=True, slots=True)
class ColumnType:
    """The type of one column (or expression): a p-SQL dtype and whether it may hold nulls."""

    dtype: DType
    nullable: bool = True
    # The polars type name of a column p-SQL cannot use (dtype is then "null"); None otherwise.
    unsupported: str | None = None


@dataclass(frozen=True, slots=True)
class Schema:
    """Ordered column names and types of a table (the input, or the output of a step)."""

    columns: tuple[tuple[str, ColumnType], ...] = ()

    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def get(self, name: str) -> ColumnType | None:
        return next((t for n, t in self.columns if n == name), None)

    def __contains__(self, name: object) -> bool:
        return any(n == name for n, _ in self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def items(self) -> list[tuple[str, ColumnType]]:
        return list(self.columns)

    def with_column(self, name: str, ctype: ColumnType) -> Schema:
        """Replace `name` in place, or append it (DERIVE and WINDOW semantics)."""
        if name in self:
            return Schema(tuple((n, ctype if n == name else t) for n, t in self.columns))
        return Schema((*self.columns, (name, ctype)))

    @classmethod
    def of(cls, mapping: Mapping[str, DType | ColumnType]) -> Schema:
        """Convenience constructor: bare dtypes are nullable."""
        return cls(
            tuple(
                (name, t if isinstance(t, ColumnType) else ColumnType(t))
                for name, t in mapping.items()
            )
        )

    @classmethod
    def from_polars(cls, schema: Mapping[str, pl.DataType]) -> Schema:
        """From a `pl.Schema` (or dict); every column nullable, unsupported types marked."""
        columns: list[tuple[str, ColumnType]] = []
        for name, dt in schema.items():
            try:
                columns.append((name, ColumnType(dtype_of_polars(dt))))
            except UnsupportedType:
                columns.append((name, ColumnType("null", unsupported=str(dt))))
        return cls(tuple(columns))


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


def common(*types: DType) -> DType | None:
    """The common supertype (numeric promotion; date with datetime is datetime); None if none.

    `null` arguments do not constrain the result; all-null gives "null".
    """
    real = [t for t in types if t != "null"]
    if not real:
        return "null"
    if all(t in NUMERIC_ORDER for t in real):
        return max(real, key=NUMERIC_ORDER.__getitem__)
    if all(t in TEMPORAL_DTYPES for t in real):
        return "datetime" if "datetime" in real else "date"
    first = real[0]
    return first if all(t == first for t in real) else None


__all__ = [
    "TEMPORAL_DTYPES",
    "ColumnType",
    "Schema",
    "UnsupportedType",
    "common",
    "dtype_of_polars",
    "polars_dtype",
]
