"""Table schemas for the checker, in p-SQL types only.

A `Schema` is an ordered tuple of `(name, ColumnType)`; the checker computes one per step.

    >>> s = Schema.of({"price": "float", "n": ColumnType("integer", nullable=False)})
    >>> s.names(), s.get("n")
    (['price', 'n'], ColumnType(dtype='integer', nullable=False, unsupported=None))

The checker does not depend on polars: the mapping of p-SQL types to polars types, and
`schema_from_polars` (a polars schema read as a `Schema`, unsupported column types marked),
are in compiler/backends/polars/dtypes.py. A column of a type p-SQL cannot use has the dtype
"null" and `unsupported` set; the checker reports E217 only when a plan refers to it by name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

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
    # name -> type, built on first lookup: `get` and `in` are O(1), not a scan per reference.
    _index: dict[str, ColumnType] | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )

    def _lookup(self) -> dict[str, ColumnType]:
        if self._index is None:
            index: dict[str, ColumnType] = {}
            for name, ctype in self.columns:
                index.setdefault(name, ctype)  # the first of duplicates, as `get` always gave
            object.__setattr__(self, "_index", index)
            return index
        return self._index

    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def get(self, name: str) -> ColumnType | None:
        return self._lookup().get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._lookup()

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
        grown = Schema((*self.columns, (name, ctype)))
        if self._index is not None:  # grown one column at a time (DERIVE): extend, not rebuild
            object.__setattr__(grown, "_index", {**self._index, name: ctype})
        return grown

    @classmethod
    def of(cls, mapping: Mapping[str, DType | ColumnType]) -> Schema:
        """Convenience constructor: bare dtypes are nullable."""
        return cls(
            tuple(
                (name, t if isinstance(t, ColumnType) else ColumnType(t))
                for name, t in mapping.items()
            )
        )


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
    "common",
]
