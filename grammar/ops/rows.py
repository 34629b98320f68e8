"""Pipeline steps: each takes the current table and returns the next one."""

from __future__ import annotations

from dataclasses import field

from pesql.grammar.ast import Assign, ColumnName, Expr, SelectItem, SortKey, Step
from pesql.grammar.declare import operation
from pesql.grammar.numbers import ROW_INDEX_MAX
from pesql.grammar.record import record


@operation(
    "FILTER",
    category="step",
    describe="keep the rows where the condition is true (null counts as false)",
    example="FILTER species = 'Adelie' AND body_mass_g > 4000",
    aliases=("WHERE",),
)
@record
class Filter(Step):
    where: Expr


@operation(
    "SELECT",
    category="step",
    describe="keep only these columns, in this order, optionally renamed",
    example="SELECT species, body_mass_g AS mass",
)
@record
class Select(Step):
    columns: tuple[SelectItem, ...]


@operation("DROP", category="step", describe="remove these columns", example="DROP year, sex")
@record
class Drop(Step):
    columns: tuple[ColumnName, ...]


@operation(
    "DERIVE",
    category="step",
    describe="add or replace columns computed from each row; later ones may use earlier ones",
    example=(
        "DERIVE gap = SUB_ABS(bill_length_mm, bill_depth_mm), "
        "ratio = bill_length_mm / bill_depth_mm"
    ),
    aliases=("MUTATE",),
)
@record
class Derive(Step):
    columns: tuple[Assign, ...]


@operation(
    "GROUP_BY",
    category="step",
    describe=(
        "one row per distinct combination of keys, with the aggregates computed per group;"
        " later ones may use earlier ones"
    ),
    example="GROUP_BY species, island COMPUTE n = COUNT(*), mass = AVG(body_mass_g)",
)
@record
class GroupBy(Step):
    keys: tuple[ColumnName, ...]
    aggregates: tuple[Assign, ...] = ()


@operation(
    "AGGREGATE",
    category="step",
    describe="one row of aggregates over the whole table; later ones may use earlier ones",
    example="AGGREGATE n = COUNT(*), heaviest = MAX(body_mass_g)",
)
@record
class AggregateStep(Step):
    aggregates: tuple[Assign, ...]


@operation(
    "SORT",
    category="step",
    describe="order rows by the keys (stable: ties keep their order; nulls last by default)",
    example="SORT body_mass_g DESC, species",
    aliases=("ORDER_BY",),
)
@record
class Sort(Step):
    keys: tuple[SortKey, ...]


@operation(
    "LIMIT",
    category="step",
    describe=(
        "keep the first n rows (after skipping OFFSET rows; WITH TIES also keeps the rows "
        "tied with the last one)"
    ),
    example="LIMIT 5 WITH TIES",
)
@record
class Limit(Step):
    count: int = field(metadata={"min": 0, "max": ROW_INDEX_MAX})
    offset: int = field(default=0, metadata={"min": 0, "max": ROW_INDEX_MAX})
    with_ties: bool = False


@operation(
    "DISTINCT",
    category="step",
    describe="remove duplicate rows (of these columns only, keeping just them), first one wins",
    example="DISTINCT species, island",
)
@record
class Distinct(Step):
    columns: tuple[ColumnName, ...] = ()


@operation(
    "WINDOW",
    category="step",
    describe=(
        "add columns computed over each partition in order (row numbers, ranks, earlier and "
        "later rows, running and partition aggregates)"
    ),
    example=(
        "WINDOW n = ROW_NUMBER(), avg_mass = AVG(body_mass_g) PARTITION BY species "
        "ORDER BY body_mass_g DESC"
    ),
)
@record
class Window(Step):
    columns: tuple[Assign, ...]
    partition_by: tuple[ColumnName, ...] = ()
    order_by: tuple[SortKey, ...] = ()
