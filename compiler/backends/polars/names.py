"""Column references that polars reads literally, whatever the column is called.

`pl.col(name)` is not a plain lookup: `pl.col("*")` is every column and `pl.col("^y.*$")` is a
regular expression, and the string forms of `select`, `drop`, `sort`, `group_by`, `over` and
`unique` go through it. A table column may be called `*` or `^year$` (a CSV header is any
text), and the checker promised exactly one column: a regex reference would read other
columns, or return columns the checker never typed, without an error. Every reference to a
column by name in the polars backend (and in the runtime: table cleaning, the data
warnings' probes, the join checks, the size estimate) goes through `col`/`cols` here.

    >>> import polars as pl
    >>> frame = pl.DataFrame({"^year$": [1], "year": [2], "*": [3]})
    >>> frame.select(pl.col("^year$")).columns, frame.select(col("^year$")).columns
    (['year'], ['^year$'])
    >>> frame.select(cols(["*", "year"])).columns
    ['*', 'year']

Ordinary names keep `pl.col`, the cheapest form; only names polars would expand take the
literal `by_name` selector.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import polars as pl
import polars.selectors as cs


def expands(name: str) -> bool:
    """Whether `pl.col(name)` would select something other than the column `name`."""
    return name == "*" or (name.startswith("^") and name.endswith("$"))


# A lowering makes one column expression per reference (tens per plan, the same names plan
# after plan); `pl.col` costs ~1.2 µs through polars' Python layer, and an expression is an
# immutable value: they are kept.
@lru_cache(maxsize=4096)
def col(name: str) -> pl.Expr:
    """The column called exactly `name`."""
    if expands(name):
        return cs.by_name(name, require_all=True).as_expr()
    return pl.col(name)


def cols(names: Iterable[str]) -> list[pl.Expr]:
    """The columns called exactly `names`, in order."""
    return [col(n) for n in names]


def fresh(taken: Iterable[str], base: str) -> str:
    """`base`, or `base_2`, `base_3`, ...: the first name not in `taken` (helper columns)."""
    used = set(taken)
    name, k = base, 2
    while name in used:
        name, k = f"{base}_{k}", k + 1
    return name


def exactly(names: Iterable[str]) -> cs.Selector:
    """A selector of the columns called exactly `names` (for `drop`, which takes no exprs)."""
    return cs.by_name(*names, require_all=True)


__all__ = ["col", "cols", "exactly", "expands", "fresh"]
