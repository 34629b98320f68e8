"""Steps that combine the current table with another table of the catalog: JOIN and LOOKUP.

Both match rows on key pairs `left = right` (a column of the current table, one of the
joined table); several pairs must all match, and a null key never matches anything. The
output keeps the current table's columns, then the joined table's other columns; a joined
column whose name is taken gets the suffix `_<table>` (`name` from `airlines` next to a
`name` of the current table is `name_airlines`). Row order: the current table's order, and
for one row with several matches, the joined table's order (docs/semantics.md).
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from pesql.grammar.ast import JoinKey, Step, TableName
from pesql.grammar.declare import operation
from pesql.grammar.record import record

JoinKind: TypeAlias = Literal["inner", "left", "semi", "anti"]
JOIN_KINDS: tuple[JoinKind, ...] = ("inner", "left", "semi", "anti")


@operation(
    "JOIN",
    category="step",
    describe=(
        "combine each row with the rows of another table whose keys match (kind inner: only "
        "rows with a match; left: keep rows without one, with nulls; semi: keep rows that have "
        "a match, adding nothing; anti: keep rows that have none)"
    ),
    example="JOIN LEFT planes ON tailnum = tailnum",
)
@record
class Join(Step):
    table: TableName
    on: tuple[JoinKey, ...]
    kind: JoinKind = "inner"


@operation(
    "LOOKUP",
    category="step",
    describe=(
        "add the columns of another table by a key that is unique there (at most one match "
        "per row; rows without a match keep nulls): e.g. the airline name of each flight"
    ),
    example="LOOKUP airlines ON carrier = carrier",
)
@record
class Lookup(Step):
    table: TableName
    on: tuple[JoinKey, ...]


def is_join(step: Step) -> bool:
    """Whether `step` reads another table (JOIN or LOOKUP)."""
    return isinstance(step, Join | Lookup)


def adds_columns(step: Join | Lookup) -> bool:
    """Whether the joined table's columns are added (not for semi and anti joins)."""
    return isinstance(step, Lookup) or step.kind in ("inner", "left")


def keeps_unmatched(step: Join | Lookup) -> bool:
    """Whether rows without a match stay (with nulls in the added columns)."""
    return isinstance(step, Lookup) or step.kind == "left"


__all__ = ["JOIN_KINDS", "Join", "JoinKind", "Lookup", "adds_columns", "is_join", "keeps_unmatched"]
