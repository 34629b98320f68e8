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

from pesql.grammar.frozen import cached_hash, restore_state, state_without_hash
from pesql.grammar.record import Record, record
from pesql.grammar.types import NUMERIC_ORDER, DType

TEMPORAL_DTYPES: frozenset[DType] = frozenset({"date", "datetime"})


@record(kw_only=False)
class ColumnType(Record):
    """The type of one column (or expression): a p-SQL dtype and whether it may hold nulls."""

    dtype: DType
    nullable: bool = True
    # The polars type name of a column p-SQL cannot use (dtype is then "null"); None otherwise.
    unsupported: str | None = None


@dataclass(slots=True)
class _Positions:
    """Column positions by name, shared along one chain of `Schema.with_column` calls."""

    positions: dict[str, int]
    size: int  # the length of the longest schema sharing it


@record(kw_only=False)
class Schema(Record):
    """Ordered column names and types of a table (the input, or the output of a step)."""

    columns: tuple[tuple[str, ColumnType], ...] = ()
    # Name -> position, built on first lookup, so `get` and `in` are O(1) instead of a scan per
    # column reference (a DERIVE of thousands of columns was quadratic in the checker).
    _index: _Positions | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )
    # The hash, computed once: the compile cache hashes the schema on every lookup, and a
    # cache hit must not cost a walk over every column's type.
    _hash: int | None = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __hash__(self) -> int:
        return cached_hash(self, lambda: self.columns)

    def __getstate__(self) -> list[object]:
        return state_without_hash(self)

    def __setstate__(self, state: list[object]) -> None:
        restore_state(self, state)

    def _position(self, name: str) -> int | None:
        index = self._index
        if index is None:
            index = _Positions({}, len(self.columns))
            for i, (n, _) in enumerate(self.columns):
                index.positions.setdefault(n, i)  # the first of duplicates, as `get` gave
            object.__setattr__(self, "_index", index)
        found = index.positions.get(name)
        if found is None:
            return None  # every name of every schema sharing the index is in it
        if found < len(self.columns) and self.columns[found][0] == name:
            return found
        # A name of a schema grown from this one (or of a sibling that extended the index in a
        # race between threads): a scan gives the exact answer.
        return next((i for i, (n, _) in enumerate(self.columns) if n == name), None)

    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def get(self, name: str) -> ColumnType | None:
        found = self._position(name)
        return None if found is None else self.columns[found][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._position(name) is not None

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
        index = self._index
        if index is not None and index.size == len(self.columns):
            # This schema is the longest grown from the index: the new one extends it in place
            # (a DERIVE adds its columns one by one); any other is rebuilt on its first lookup.
            index.positions.setdefault(name, len(self.columns))
            index.size += 1
            object.__setattr__(grown, "_index", index)
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
