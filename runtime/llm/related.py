"""Keys that look related across the tables of a catalog, for the prompt's overview.

A model asked about flights and airlines must find the key pair itself; pointing it out costs
a few tokens and saves the worst join mistakes (a wrong key, a JOIN where a LOOKUP was meant).
A pair `a.x ~ b.y` is offered when the two columns have comparable types and either the same
name (case and spacing aside), or text values of `a.x` are mostly values of `b.y` (a sample of
at most `SAMPLE` distinct values). A pair whose `b.y` is unique in `b` is shown as a LOOKUP.

    >>> import polars as pl
    >>> from pesql.runtime.tables.catalog import Catalog
    >>> from pesql.runtime.tables.table import load_table
    >>> flights = pl.DataFrame({"carrier": ["UA", "AA", "UA"], "origin": ["EWR", "JFK", "EWR"]})
    >>> airlines = pl.DataFrame({"carrier": ["AA", "UA"], "name": ["American", "United"]})
    >>> airports = pl.DataFrame({"faa": ["EWR", "JFK", "LGA"], "alt": [18, 13, 22]})
    >>> catalog = Catalog([load_table(f, name=n) for n, f in
    ...     [("flights", flights), ("airlines", airlines), ("airports", airports)]])
    >>> print(related_keys(catalog))
    Keys that look related (combine tables with JOIN or LOOKUP):
    - LOOKUP airlines ON carrier = carrier (unique in airlines)
    - LOOKUP airports ON origin = faa (unique in airports)
"""

from __future__ import annotations

import polars as pl
from pesql.compiler.backends.polars.dtypes import UnsupportedType, dtype_of_polars
from pesql.compiler.backends.polars.names import col
from pesql.compiler.check.resolve import loose_key
from pesql.compiler.check.schema import common
from pesql.grammar.types import DType
from pesql.runtime.tables.catalog import Catalog

SAMPLE = 200  # distinct text values compared per column
MAX_PAIRS = 12  # lines shown at most
MAX_TABLES = 8  # beyond this the value comparison is skipped (names still count)


def _dtypes(frame: pl.LazyFrame) -> dict[str, DType]:
    out: dict[str, DType] = {}
    for name, dt in frame.collect_schema().items():
        try:
            out[name] = dtype_of_polars(dt)
        except UnsupportedType:
            continue
    return out


def _facts(frame: pl.LazyFrame, types: dict[str, DType]) -> tuple[set[str], dict[str, set[str]]]:
    """Columns that are unique (no nulls, no repeats) and a sample of each text column."""
    exprs: list[pl.Expr] = [pl.len().alias("__rows")]
    for i, name in enumerate(types):
        exprs.append(col(name).n_unique().alias(f"d{i}"))
        exprs.append(col(name).null_count().alias(f"n{i}"))
        if types[name] == "string":
            sample = col(name).drop_nulls().unique(maintain_order=True).head(SAMPLE)
            exprs.append(sample.implode().alias(f"s{i}"))
    row = frame.select(exprs).collect().row(0, named=True)
    unique = {
        name
        for i, name in enumerate(types)
        if row[f"n{i}"] == 0 and row[f"d{i}"] == row["__rows"] and row["__rows"] > 0
    }
    samples = {name: set(row[f"s{i}"] or ()) for i, name in enumerate(types) if f"s{i}" in row}
    return unique, samples


def related_keys(catalog: Catalog) -> str:
    """The lines pointing out related key pairs ("" for one table, or when none look related)."""
    tables = list(catalog)
    if len(tables) < 2:
        return ""
    types = {t.name: _dtypes(t.frame) for t in tables}
    compare_values = len(tables) <= MAX_TABLES
    facts = {t.name: _facts(t.frame, types[t.name]) for t in tables}
    lines: list[str] = []
    for left in tables:
        for right in tables:
            if left.name == right.name:
                continue
            unique, right_samples = facts[right.name]
            _u, left_samples = facts[left.name]
            for x, xt in types[left.name].items():
                for y, yt in types[right.name].items():
                    if common(xt, yt) is None or xt == "boolean":
                        continue
                    same_name = loose_key(x) == loose_key(y)
                    overlap = (
                        compare_values
                        and xt == yt == "string"
                        and y in unique
                        and _mostly_in(left_samples.get(x, set()), right_samples.get(y, set()))
                    )
                    if not (same_name or overlap):
                        continue
                    if y in unique:
                        lines.append(f"- LOOKUP {right.name} ON {x} = {y} (unique in {right.name})")
                    elif x not in facts[left.name][0] and left.name < right.name:
                        # Neither side unique (a unique left side shows as the other's LOOKUP).
                        lines.append(f"- JOIN {right.name} ON {x} = {y} (repeats in both)")
    if not lines:
        return ""
    shown = list(dict.fromkeys(lines))[:MAX_PAIRS]
    return "\n".join(["Keys that look related (combine tables with JOIN or LOOKUP):", *shown])


def _mostly_in(values: set[str], pool: set[str]) -> bool:
    """Whether most of `values` (at least 2, over half) are in `pool`."""
    hits = len(values & pool)
    return hits >= 2 and hits * 2 > len(values)


__all__ = ["related_keys"]
