"""One well-typed step over a schema, for `strategies.well_typed_plans`.

Every step kind is drawn. GROUP_BY/AGGREGATE items are aggregates (optionally combined,
`SUM(a) / COUNT(*)`, optionally with `where`); WINDOW items mix window functions, partition
aggregates and row values. RANK/DENSE_RANK appear only with ORDER BY, LIMIT WITH TIES only
right after a SORT, as the checker requires.
"""

from __future__ import annotations

from hypothesis import strategies as st
from pesql.compiler.check.resolve import loose_key
from pesql.compiler.check.schema import Schema
from pesql.grammar import ast as A
from pesql.grammar.ops import aggregate as agg
from pesql.grammar.ops import operators, rows
from pesql.grammar.ops import window as win
from pesql.grammar.types import VALUE_TYPES, DType
from pesql.runtime.testing.strategies.exprs import GENERATED, columns_of, well_typed_exprs

_ORDERABLE: tuple[DType, ...] = VALUE_TYPES
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
    """An aggregate call (or two combined) over row expressions of `schema`."""
    where = draw(st.one_of(st.none(), well_typed_exprs(schema, "boolean", 1)))
    numbers = columns_of(schema, *_NUMBERS)
    choices = ["count_star", "count", "count_if"]
    if numbers:
        choices += ["sum", "avg", "median", "std", "quantile", "ratio"]
    if columns_of(schema, *_ORDERABLE):
        choices += ["min", "max", "count_distinct", "first"]
    kind = draw(st.sampled_from(choices))
    if kind == "count_star":
        return agg.Count(where=where)
    if kind == "count_if":
        return agg.CountIf(condition=draw(well_typed_exprs(schema, "boolean", 2)))
    if kind in ("count", "count_distinct", "min", "max", "first"):
        col = A.Col(name=draw(st.sampled_from(columns_of(schema, *_ORDERABLE))))
        cls = {
            "count": agg.Count,
            "count_distinct": agg.CountDistinct,
            "min": agg.Min,
            "max": agg.Max,
            "first": agg.First,
        }[kind]
        return cls(value=col, where=where)  # type: ignore[abstract]
    value = draw(well_typed_exprs(schema, draw(st.sampled_from(list(_NUMBERS))), 1))
    if kind == "quantile":
        return agg.Quantile(value=value, q=draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])))
    if kind == "ratio":
        return operators.Div(left=agg.Sum(value=value), right=agg.Count())
    cls2 = {"sum": agg.Sum, "avg": agg.Avg, "median": agg.Median, "std": agg.Std}[kind]
    return cls2(value=value, where=where)  # type: ignore[abstract]


def _window_item(schema: Schema, ordered: bool, draw: st.DrawFn) -> A.Expr:
    numbers = columns_of(schema, *_NUMBERS)
    kinds = ["row_number", "cumcount", "aggregate", "lag"]
    if ordered:
        kinds += ["rank", "dense_rank"]
    if numbers:
        kinds += ["cumsum", "diff", "share", "minus_avg", "cummax"]
    kind = draw(st.sampled_from(kinds))
    simple = {
        "row_number": win.RowNumber,
        "rank": win.Rank,
        "dense_rank": win.DenseRank,
        "cumcount": win.CumCount,
    }
    if kind in simple:
        return simple[kind]()  # type: ignore[abstract]
    if kind == "aggregate":
        return _aggregate(schema, draw)
    if kind == "lag":
        col = A.Col(name=draw(st.sampled_from(_usable(schema))))
        cls = draw(st.sampled_from([win.Lag, win.Lead]))
        return cls(value=col, offset=draw(st.integers(1, 2)))  # type: ignore[no-any-return]
    col = A.Col(name=draw(st.sampled_from(numbers)))
    if kind == "minus_avg":
        return operators.Sub(left=col, right=agg.Avg(value=col))
    cls3 = {"cumsum": win.CumSum, "diff": win.Diff, "share": win.Share, "cummax": win.CumMax}[kind]
    node: A.Expr = cls3(value=col)
    return node


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


__all__ = ["step_for"]
