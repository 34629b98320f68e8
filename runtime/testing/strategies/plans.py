"""One well-typed step over a schema, for `strategies.well_typed_plans`.

Every step kind is drawn. GROUP_BY/AGGREGATE items are aggregates (optionally combined,
`SUM(a) / COUNT(*)`, optionally with `where`); WINDOW items mix window functions, partition
aggregates and row values. Aggregates and window functions come from the registry's typings
(`exprs.typings`), like scalars. RANK/DENSE_RANK appear only with ORDER BY (read from the
checker, which refuses them without), LIMIT WITH TIES only right after a SORT, as the checker
requires.
"""

from __future__ import annotations

import dataclasses

from hypothesis import strategies as st
from pesql.compiler.check.resolve import loose_key
from pesql.compiler.check.schema import Schema
from pesql.grammar import ast as A
from pesql.grammar.ops import aggregate as agg
from pesql.grammar.ops import operators, rows
from pesql.grammar.registry import spec_of
from pesql.grammar.types import DType
from pesql.runtime.testing.strategies.exprs import (
    GENERATED,
    calls,
    columns_of,
    fitting,
    well_typed_exprs,
)

_NUMBERS: tuple[DType, ...] = ("integer", "float")


def _usable(schema: Schema) -> list[str]:
    return columns_of(schema, *GENERATED)


def _fresh(schema: Schema, taken: set[str], draw: st.DrawFn) -> str:
    used = {loose_key(n) for n in schema.names()} | {loose_key(n) for n in taken}
    base = draw(st.sampled_from(["n", "total", "avg x", "rank", "delta", "v", "größe"]))
    name, i = base, 1
    while loose_key(name) in used:
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name


def _aggregate(schema: Schema, draw: st.DrawFn) -> A.Expr:
    """A call of any registered aggregate over row expressions of `schema`, sometimes with a
    `where` filter, sometimes two combined (`SUM(a) / COUNT(*)`)."""
    if draw(st.integers(0, 9)) == 0:
        value = draw(well_typed_exprs(schema, draw(st.sampled_from(list(_NUMBERS))), 1))
        return operators.Div(left=agg.Sum(value=value), right=agg.Count())
    node = draw(calls(schema, fitting(schema, "aggregate", 1), 1))
    if "where" in {f.name for f in spec_of(node).fields} and draw(st.booleans()):
        where = draw(well_typed_exprs(schema, "boolean", 1))
        node = dataclasses.replace(node, where=where)  # type: ignore[call-arg]
    return node


def _window_item(schema: Schema, ordered: bool, draw: st.DrawFn) -> A.Expr:
    """A window function (RANK and DENSE_RANK only with ORDER BY), a partition aggregate, or a
    row value minus one (`x - AVG(x)`)."""
    numbers = columns_of(schema, *_NUMBERS)
    kind = draw(st.sampled_from(["window", "window", "aggregate", "minus_avg"]))
    if kind == "aggregate":
        return _aggregate(schema, draw)
    if kind == "minus_avg" and numbers:
        col = A.Col(name=draw(st.sampled_from(numbers)))
        return operators.Sub(left=col, right=agg.Avg(value=col))
    found = [t for t in fitting(schema, "window", 1) if ordered or not t.ordered]
    result: A.Expr = draw(calls(schema, found, 1))
    return result


def aggregate_exprs(schema: Schema) -> st.SearchStrategy[A.Expr]:
    """The aggregate items of a GROUP_BY or AGGREGATE over `schema`."""
    return st.composite(lambda draw: _aggregate(schema, draw))()


def window_exprs(schema: Schema, ordered: bool) -> st.SearchStrategy[A.Expr]:
    """The items of a WINDOW over `schema` (`ordered`: the window has ORDER BY)."""
    return st.composite(lambda draw: _window_item(schema, ordered, draw))()


def _sort_keys(schema: Schema, draw: st.DrawFn, at_least: int) -> tuple[A.SortKey, ...]:
    names = draw(
        st.lists(st.sampled_from(_usable(schema)), min_size=at_least, max_size=2, unique=True)
    )
    return tuple(
        A.SortKey(column=n, descending=draw(st.booleans()), nulls_last=draw(st.booleans()))
        for n in names
    )


def step_for(schema: Schema, previous: A.Step | None) -> st.SearchStrategy[A.Step]:
    """A step that type-checks over `schema` (which has at least one usable column)."""

    @st.composite
    def build(draw: st.DrawFn) -> A.Step:
        usable = _usable(schema)
        kind = draw(
            st.sampled_from(
                [
                    "filter",
                    "derive",
                    "select",
                    "drop",
                    "group_by",
                    "aggregate",
                    "sort",
                    "limit",
                    "distinct",
                    "window",
                ]
            )
        )
        taken: set[str] = set()
        if kind == "drop" and len(schema) == 1:
            kind = "filter"  # DROP must leave a column
        if kind == "filter":
            return rows.Filter(where=draw(well_typed_exprs(schema, "boolean")))
        if kind == "derive":
            items = [
                A.Assign(
                    name=_fresh(schema, taken, draw)
                    if draw(st.booleans())
                    else draw(st.sampled_from(usable)),
                    expr=draw(well_typed_exprs(schema)),
                )
            ]
            return rows.Derive(columns=tuple(items))
        if kind in ("select", "drop", "distinct"):
            names = draw(
                st.lists(
                    st.sampled_from(schema.names()), min_size=1, max_size=len(schema), unique=True
                )
            )
            if kind == "drop":
                return rows.Drop(columns=tuple(names[: len(schema) - 1]))
            if kind == "distinct":
                return rows.Distinct(columns=tuple(names) if draw(st.booleans()) else ())
            return rows.Select(
                columns=tuple(
                    A.SelectItem(
                        column=n, as_=_fresh(schema, taken, draw) if draw(st.booleans()) else None
                    )
                    for n in names
                )
            )
        if kind in ("group_by", "aggregate"):
            keys = draw(st.lists(st.sampled_from(usable), min_size=1, max_size=2, unique=True))
            taken.update(keys)
            aggs = tuple(
                A.Assign(name=_fresh(schema, taken, draw), expr=_aggregate(schema, draw))
                for _ in range(draw(st.integers(1, 2)))
            )
            if kind == "aggregate":
                return rows.AggregateStep(aggregates=aggs)
            return rows.GroupBy(keys=tuple(keys), aggregates=aggs)
        if kind == "sort":
            return rows.Sort(keys=_sort_keys(schema, draw, 1))
        if kind == "limit":
            return rows.Limit(
                count=draw(st.integers(0, 8)),
                offset=draw(st.integers(0, 3)),
                with_ties=isinstance(previous, rows.Sort) and draw(st.booleans()),
            )
        order = _sort_keys(schema, draw, 0)
        partition = draw(st.lists(st.sampled_from(usable), max_size=1))
        items = [
            A.Assign(name=_fresh(schema, taken, draw), expr=_window_item(schema, bool(order), draw))
            for _ in range(draw(st.integers(1, 2)))
        ]
        return rows.Window(columns=tuple(items), partition_by=tuple(partition), order_by=order)

    return build()


__all__ = ["aggregate_exprs", "step_for", "window_exprs"]
