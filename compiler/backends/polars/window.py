"""Aggregates and window functions -> polars expressions (registered on `polars_exprs.lower`).

In a `group` context an aggregate is one value per group. In a `window` context it is the
same value computed over the row's partition (`.over(partition)`) and repeated on each row;
window functions (ROW_NUMBER, RANK, LAG, CUMSUM, ...) run in the frame's current order, which
the WINDOW step has sorted into the window's ORDER BY (see polars_steps.lower_window).
"""

from __future__ import annotations

import dataclasses

import polars as pl
from pesql.compiler.backends.polars.exprs import (
    Ctx,
    columns_of,
    condition,
    lower,
    true_divide,
)
from pesql.compiler.backends.polars.integers import exact_sub, is_integer, narrow, wide
from pesql.compiler.backends.polars.names import col, cols
from pesql.grammar.ast import Expr
from pesql.grammar.ops import aggregate as ag
from pesql.grammar.ops import window as wf


def per_partition(expr: pl.Expr, ctx: Ctx) -> pl.Expr:
    """`expr` evaluated per partition in a window context; as is elsewhere."""
    if ctx.mode == "window" and ctx.partition:
        return expr.over(cols(ctx.partition))
    return expr


def _argument(node: Expr, ctx: Ctx) -> pl.Expr:
    value = condition(node, ctx.inside_aggregate())  # a NULL `where` is a typed unknown
    if not columns_of(node):
        # A constant is one value in polars' aggregation context; SQL's SUM(1) sees it once
        # per row, so repeat it to the group's length.
        value = pl.repeat(value, pl.len())
    return value


def _values(node: Expr, where: Expr | None, ctx: Ctx) -> pl.Expr:
    """The values an aggregate sees: its argument on the rows where `where` is true (a null
    condition is not true). The argument's columns are read on those rows only (`Ctx.rows`):
    computed on every row and filtered after, a strict CAST failed on rows `where` leaves
    out, where SQL never evaluates it."""
    if where is None:
        return _argument(node, ctx)
    rows = _argument(where, ctx)
    if not columns_of(node):  # a constant, repeated per row by _argument: filter the copies
        return _argument(node, ctx).filter(rows)
    return _argument(node, dataclasses.replace(ctx, rows=rows))


@lower.register(ag.Count)
def _count(node: ag.Count, ctx: Ctx) -> pl.Expr:
    if node.value is None and node.where is None:
        counted = pl.len()
    elif node.value is None:
        assert node.where is not None
        counted = _argument(node.where, ctx).fill_null(False).sum()
    else:
        counted = _values(node.value, node.where, ctx).count()  # count() skips nulls
    return per_partition(counted.cast(pl.Int64), ctx)


@lower.register(ag.CountDistinct)
def _count_distinct(node: ag.CountDistinct, ctx: Ctx) -> pl.Expr:
    values = _values(node.value, node.where, ctx).drop_nulls()
    return per_partition(values.n_unique().cast(pl.Int64), ctx)


@lower.register(ag.CountIf)
def _count_if(node: ag.CountIf, ctx: Ctx) -> pl.Expr:
    counted = _argument(node.condition, ctx).fill_null(False).sum()
    return per_partition(counted.cast(pl.Int64), ctx)


@lower.register(ag.Sum)
def _sum(node: ag.Sum, ctx: Ctx) -> pl.Expr:
    values = _values(node.value, node.where, ctx)
    # Integers sum in 128 bits: a total past Int64's range fails rather than wraps.
    total = narrow(wide(values).sum()) if is_integer(node, ctx) else values.sum()
    # polars sums nothing to 0; SQL's SUM over no non-null value is NULL.
    return per_partition(pl.when(values.count() > 0).then(total), ctx)


def _float_values(node: ag.Aggregate | ag.Quantile, ctx: Ctx) -> pl.Expr:
    return _values(node.value, node.where, ctx).cast(pl.Float64)


@lower.register(ag.Avg)
def _avg(node: ag.Avg, ctx: Ctx) -> pl.Expr:
    return per_partition(_float_values(node, ctx).mean(), ctx)


@lower.register(ag.Median)
def _median(node: ag.Median, ctx: Ctx) -> pl.Expr:
    return per_partition(_float_values(node, ctx).median(), ctx)


@lower.register(ag.Quantile)
def _quantile(node: ag.Quantile, ctx: Ctx) -> pl.Expr:
    return per_partition(_float_values(node, ctx).quantile(node.q, "linear"), ctx)


@lower.register(ag.Std)
def _std(node: ag.Std, ctx: Ctx) -> pl.Expr:
    return per_partition(_float_values(node, ctx).std(ddof=1), ctx)


@lower.register(ag.Var)
def _var(node: ag.Var, ctx: Ctx) -> pl.Expr:
    return per_partition(_float_values(node, ctx).var(ddof=1), ctx)


@lower.register(ag.Min)
def _min(node: ag.Min, ctx: Ctx) -> pl.Expr:
    return per_partition(_values(node.value, node.where, ctx).min(), ctx)


@lower.register(ag.Max)
def _max(node: ag.Max, ctx: Ctx) -> pl.Expr:
    return per_partition(_values(node.value, node.where, ctx).max(), ctx)


@lower.register(ag.First)
def _first(node: ag.First, ctx: Ctx) -> pl.Expr:
    return per_partition(_values(node.value, node.where, ctx).drop_nulls().first(), ctx)


@lower.register(ag.Last)
def _last(node: ag.Last, ctx: Ctx) -> pl.Expr:
    return per_partition(_values(node.value, node.where, ctx).drop_nulls().last(), ctx)


# Window functions ------------------------------------------------------------------------


def _row_number() -> pl.Expr:
    return pl.int_range(1, pl.len() + 1, dtype=pl.Int64)


def _peer_starts(ctx: Ctx) -> pl.Expr:
    """True on the first row of each run of rows equal on the ORDER BY keys (SQL peers)."""
    first_row = _row_number() == 1
    changed = [col(k).ne_missing(col(k).shift(1)) for k in ctx.order_keys]
    return pl.any_horizontal(first_row, *changed)


@lower.register(wf.RowNumber)
def _row_number_fn(node: wf.RowNumber, ctx: Ctx) -> pl.Expr:
    return per_partition(_row_number(), ctx)


@lower.register(wf.Rank)
def _rank(node: wf.Rank, ctx: Ctx) -> pl.Expr:
    # The row number where the row's run of peers starts: ties share it, gaps follow.
    rank = pl.when(_peer_starts(ctx)).then(_row_number()).otherwise(None).forward_fill()
    return per_partition(rank.cast(pl.Int64), ctx)


@lower.register(wf.DenseRank)
def _dense_rank(node: wf.DenseRank, ctx: Ctx) -> pl.Expr:
    return per_partition(_peer_starts(ctx).cum_sum().cast(pl.Int64), ctx)


def _series(node: Expr, ctx: Ctx) -> pl.Expr:
    """A window function's argument, one value per row: a constant is repeated to the
    partition's length (polars would treat `LAG(0)` or `CUMSUM(1)` as a single value)."""
    value = lower(node, ctx)
    return value if columns_of(node) else pl.repeat(value, pl.len())


def _shifted(node: wf.Shifted, ctx: Ctx, offset: int) -> tuple[pl.Expr, pl.Expr]:
    value = _series(node.value, ctx)
    return value, value.shift(offset)


@lower.register(wf.Lag)
def _lag(node: wf.Lag, ctx: Ctx) -> pl.Expr:
    return per_partition(_shifted(node, ctx, node.offset)[1], ctx)


@lower.register(wf.Lead)
def _lead(node: wf.Lead, ctx: Ctx) -> pl.Expr:
    return per_partition(_shifted(node, ctx, -node.offset)[1], ctx)


@lower.register(wf.Diff)
def _diff(node: wf.Diff, ctx: Ctx) -> pl.Expr:
    value, earlier = _shifted(node, ctx, node.offset)
    if is_integer(node.value, ctx):
        return per_partition(exact_sub(value, earlier), ctx)
    return per_partition(value - earlier, ctx)


@lower.register(wf.PctChange)
def _pct_change(node: wf.PctChange, ctx: Ctx) -> pl.Expr:
    value, earlier = _shifted(node, ctx, node.offset)
    change = exact_sub(value, earlier) if is_integer(node.value, ctx) else value - earlier
    return per_partition(true_divide(change, earlier), ctx)


def _running(step: pl.Expr) -> pl.Expr:
    # polars' cum_* leave null at null rows; SQL's running aggregate carries the total on
    # (nulls are skipped), and is null only before the first value.
    return step.forward_fill()


@lower.register(wf.CumSum)
def _cum_sum(node: wf.CumSum, ctx: Ctx) -> pl.Expr:
    value = _series(node.value, ctx)
    if is_integer(node, ctx):  # a running total past Int64's range fails rather than wraps
        return per_partition(_running(narrow(wide(value).cum_sum())), ctx)
    return per_partition(_running(value.cum_sum()), ctx)


@lower.register(wf.CumCount)
def _cum_count(node: wf.CumCount, ctx: Ctx) -> pl.Expr:
    if node.value is None:
        return per_partition(_row_number(), ctx)
    present = _series(node.value, ctx).is_not_null()
    return per_partition(present.cum_sum().cast(pl.Int64), ctx)


@lower.register(wf.CumMin)
def _cum_min(node: wf.CumMin, ctx: Ctx) -> pl.Expr:
    value = _series(node.value, ctx)
    return per_partition(_running(value.cum_min()), ctx)


@lower.register(wf.CumMax)
def _cum_max(node: wf.CumMax, ctx: Ctx) -> pl.Expr:
    value = _series(node.value, ctx)
    return per_partition(_running(value.cum_max()), ctx)


@lower.register(wf.CumAvg)
def _cum_avg(node: wf.CumAvg, ctx: Ctx) -> pl.Expr:
    value = _series(node.value, ctx).cast(pl.Float64)
    total = _running(value.cum_sum())
    count = value.is_not_null().cum_sum()
    return per_partition(true_divide(total, count), ctx)


@lower.register(wf.Share)
def _share(node: wf.Share, ctx: Ctx) -> pl.Expr:
    value = _series(node.value, ctx).cast(pl.Float64)
    total = pl.when(value.count() > 0).then(value.sum())
    return per_partition(true_divide(value, total), ctx)


__all__ = ["per_partition"]
