"""The catalog: the only tables a plan may read, by name.

>>> import polars as pl
>>> from pesql.runtime.tables.table import load_table
>>> sales = load_table(pl.DataFrame({"region": ["north"], "revenue": [1200]}), name="sales")
>>> catalog = Catalog([sales])
>>> catalog
Catalog(['sales'])
>>> catalog.get("sales").frame.collect().rows()  # the table's LazyFrame
[('north', 1200)]
>>> catalog.get("sale")
Traceback (most recent call last):
    ...
pesql.grammar.diagnostics.PesqlError: error[E210]: unknown table `sale`
  hint: did you mean `sales`?
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeAlias

import polars as pl
from pesql.compiler.check.schema import Schema
from pesql.grammar.diagnostics import Diagnostic, PesqlError, nearest
from pesql.runtime.tables.table import Table

__all__ = ["Catalog", "unknown_table"]


def unknown_table(name: str, known: Iterable[str]) -> PesqlError:
    """E210 for `name`, with the closest of the `known` names (or all of them) as hints."""
    names = sorted(known)
    close = nearest(name, names)
    hints = [f"did you mean `{c}`?" for c in close]
    if not close:
        hints.append(f"tables in the catalog: {', '.join(f'`{n}`' for n in names) or 'none'}")
    return PesqlError([Diagnostic.make("E210", name=name, hints=hints)])


class Catalog:
    """Name -> Table. Built from a mapping (its keys win over the tables' own names) or tables."""

    def __init__(self, tables: Mapping[str, Table] | Iterable[Table] = ()) -> None:
        self._tables: dict[str, Table] = {}
        if isinstance(tables, Mapping):
            for name, table in tables.items():
                self._tables[name] = table
        else:
            for table in tables:
                self.add(table)

    def add(self, table: Table) -> None:
        """Register `table` under its name; a second table of the same name replaces the first."""
        self._tables[table.name] = table

    def get(self, name: str) -> Table:
        """The table called `name`, or E210 with the closest names as hints."""
        table = self._tables.get(name)
        if table is not None:
            return table
        raise unknown_table(name, self._tables)

    def names(self) -> list[str]:
        return sorted(self._tables)

    def schemas(self) -> dict[str, Schema]:
        """Table name -> p-SQL schema: what the checker and the prompt need."""
        return {name: table.schema() for name, table in self._tables.items()}

    def __contains__(self, name: object) -> bool:
        return name in self._tables

    def __len__(self) -> int:
        return len(self._tables)

    def __iter__(self) -> Iterator[Table]:
        return iter(self._tables.values())

    def __repr__(self) -> str:
        return f"Catalog({self.names()})"


TableSource: TypeAlias = pl.DataFrame | pl.LazyFrame | Table | str | Path
TablesArg: TypeAlias = "Catalog | Mapping[str, TableSource] | Iterable[Table] | TableSource"


def as_catalog(tables: TablesArg) -> Catalog:
    """A Catalog from a Catalog, a mapping name -> frame/Table/path, tables, one frame or a path.

    A mapping's keys name the tables (over a Table's own name)."""
    if isinstance(tables, Catalog):
        return tables
    if isinstance(tables, Mapping):
        return Catalog([_table(source, name) for name, source in tables.items()])
    if isinstance(tables, pl.DataFrame | pl.LazyFrame | Table | str | Path):
        return Catalog([_table(tables, None)])
    return Catalog(list(tables))


def _table(source: TableSource, name: str | None) -> Table:
    from pesql.runtime.tables.table import load_table

    if isinstance(source, Table):
        return source if name is None else dataclasses.replace(source, name=name)
    return load_table(source, name=name)
