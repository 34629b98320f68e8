"""Aggregates and window functions -> sqlglot trees.

An aggregate in GROUP_BY / AGGREGATE is a plain SQL aggregate; inside WINDOW it is the same
aggregate `OVER (PARTITION BY ...)` over the whole partition. `where` becomes a CASE inside
the aggregate (portable, unlike FILTER). Window functions order by the step's keys and then
by the row ordinal, which makes every window order total, as polars' stable sort is:

    >>> from pesql.grammar.parse import parse_expr
    >>> from pesql.compiler.check.schema import Schema
    >>> ctx = ExprContext(Schema.of({"a": "integer"}), "duckdb", in_group=True)
    >>> sql_expr(parse_expr("SUM(a, where => a > 1)"), ctx).sql("duckdb")
    'CAST(SUM(CASE WHEN "a" > 1 THEN "a" END) AS BIGINT)'
"""

from __future__ import annotations

from typing import Any

from pesql.compiler.backends.sql.exprs import (
    ExprContext,
    Over,
    as_float,
    binary,
    case,
    cast,
    col,
    dtype_of,
    number,
    safe_div,
    sql_expr,
    wrap,
)
from pesql.grammar import ast as A
from pesql.grammar.ops import aggregate as agg
from pesql.grammar.ops import window as win
from pesql.grammar.types import DType
from sqlglot import exp

# Frames: running functions see the rows up to this one; partition aggregates see them all.
RUNNING = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW")
WHOLE = exp.WindowSpec(
    kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="UNBOUNDED", end_side="FOLLOWING"
)


def _over(ctx: ExprContext) -> Over:
    if ctx.over is None:
        raise ValueError("window function outside a WINDOW step (the checker rejects this)")
    return ctx.over


def windowed(
    fn: exp.Expr,
    ctx: ExprContext,
    *,
    ordered: bool,
    frame: exp.WindowSpec | None = None,
    tie_break: bool = True,
) -> exp.Expr:
    """fn OVER (PARTITION BY ... [ORDER BY keys, ordinal] [frame])."""
    over = _over(ctx)
    order = None
    if ordered:
        keys = [k.copy() for k in over.order]
        if tie_break:
            keys.append(over.ordinal.copy())
        order = exp.Order(expressions=keys)
    return exp.Window(
        this=fn,
        partition_by=[p.copy() for p in over.partition] or None,
        order=order,
        spec=frame.copy() if frame is not None else None,
    )


def aggregate(fn: exp.Expr, ctx: ExprContext) -> exp.Expr:
    """A plain aggregate in GROUP_BY/AGGREGATE; over the whole partition inside WINDOW."""
    if ctx.in_group or ctx.over is None:
        return fn
    return windowed(fn, ctx, ordered=False)


def _where(value: exp.Expr, where: A.Expr | None, ctx: ExprContext) -> exp.Expr:
    if where is None:
        return value
    return case([(sql_expr(where, ctx), value)])


def _value(call: agg.Aggregate, ctx: ExprContext) -> exp.Expr:
    return _where(sql_expr(call.value, ctx), call.where, ctx)


@sql_expr.register(agg.Count)
def _count(call: agg.Count, ctx: ExprContext) -> exp.Expr:
    if call.value is None:
        inner: exp.Expr = exp.Star() if call.where is None else _where(number(1), call.where, ctx)
    else:
        inner = _where(sql_expr(call.value, ctx), call.where, ctx)
    return aggregate(exp.Count(this=inner), ctx)


@sql_expr.register(agg.CountDistinct)
def _count_distinct(call: agg.CountDistinct, ctx: ExprContext) -> exp.Expr:
    return aggregate(exp.Count(this=exp.Distinct(expressions=[_value(call, ctx)])), ctx)


@sql_expr.register(agg.CountIf)
def _count_if(call: agg.CountIf, ctx: ExprContext) -> exp.Expr:
    return aggregate(exp.Count(this=_where(number(1), call.condition, ctx)), ctx)


@sql_expr.register(agg.Sum)
def _sum(call: agg.Sum, ctx: ExprContext) -> exp.Expr:
    kind = dtype_of(call.value, ctx)
    total = aggregate(exp.Sum(this=_summable(_value(call, ctx), kind, ctx)), ctx)
    return _sum_type(total, kind, ctx)


def _summable(value: exp.Expr, kind: DType, ctx: ExprContext) -> exp.Expr:
    # DuckDB has no SUM(INTERVAL): sum the microseconds, read back as a duration by _sum_type.
    return exp.func("EPOCH_US", value) if kind == "duration" and ctx.dialect == "duckdb" else value


def _sum_type(total: exp.Expr, kind: DType, ctx: ExprContext) -> exp.Expr:
    if kind == "duration" and ctx.dialect == "duckdb":
        return exp.func("TO_MICROSECONDS", cast(total, "integer"))
    # SUM widens (BIGINT -> HUGEINT/NUMERIC, DECIMAL scale); p-SQL keeps the input type.
    return cast(total, kind) if kind in ("integer", "decimal") else total


@sql_expr.register(agg.Avg)
def _avg(call: agg.Avg, ctx: ExprContext) -> exp.Expr:
    return aggregate(exp.Avg(this=_float_value(call, ctx)), ctx)


def _float_value(call: agg.Aggregate, ctx: ExprContext) -> exp.Expr:
    return _where(as_float(call.value, ctx), call.where, ctx)


@sql_expr.register(agg.Median)
def _median(call: agg.Median, ctx: ExprContext) -> exp.Expr:
    return aggregate(_percentile(_float_value(call, ctx), 0.5), ctx)


@sql_expr.register(agg.Quantile)
def _quantile(call: agg.Quantile, ctx: ExprContext) -> exp.Expr:
    value = _where(as_float(call.value, ctx), call.where, ctx)
    return aggregate(_percentile(value, call.q), ctx)


def _percentile(value: exp.Expr, q: float) -> exp.Expr:
    # PERCENTILE_CONT is linear interpolation between the closest ranks, as p-SQL documents.
    return exp.WithinGroup(
        this=exp.PercentileCont(this=number(q)),
        expression=exp.Order(expressions=[exp.Ordered(this=value, nulls_first=False)]),
    )


def extreme_of(kind: str, ctx: ExprContext, node: type[exp.Min] | type[exp.Max]) -> Any:
    """MIN/MAX, or on Postgres over booleans (which it cannot order) BOOL_AND/BOOL_OR."""
    if ctx.dialect == "postgres" and kind == "boolean":
        name = "BOOL_AND" if node is exp.Min else "BOOL_OR"
        return lambda this: exp.Anonymous(this=name, expressions=[this])
    return lambda this: node(this=this)


@sql_expr.register(agg.Min)
def _min(call: agg.Min, ctx: ExprContext) -> exp.Expr:
    make = extreme_of(dtype_of(call.value, ctx), ctx, exp.Min)
    return aggregate(make(_value(call, ctx)), ctx)


@sql_expr.register(agg.Max)
def _max(call: agg.Max, ctx: ExprContext) -> exp.Expr:
    make = extreme_of(dtype_of(call.value, ctx), ctx, exp.Max)
    return aggregate(make(_value(call, ctx)), ctx)


@sql_expr.register(agg.Std)
def _std(call: agg.Std, ctx: ExprContext) -> exp.Expr:
    return aggregate(exp.StddevSamp(this=_float_value(call, ctx)), ctx)


@sql_expr.register(agg.Var)
def _var(call: agg.Var, ctx: ExprContext) -> exp.Expr:
    return aggregate(exp.func("VAR_SAMP", _float_value(call, ctx)), ctx)


def _by_ordinal(call: agg.First | agg.Last, ctx: ExprContext, node: type[exp.AggFunc]) -> exp.Expr:
    """The value at the smallest/largest ordinal among rows where it is non-null (and `where`)."""
    value = sql_expr(call.value, ctx)
    present: exp.Expr = exp.Not(this=exp.Is(this=wrap(value.copy()), expression=exp.null()))
    if call.where is not None:
        present = exp.and_(wrap(present), wrap(sql_expr(call.where, ctx)))
    # ARG_MIN skips rows whose ordering key is NULL: the key is the ordinal where counted
    # (inside an ordered WINDOW, the row's place in window order).
    place = col(ctx.position, ctx.source) if ctx.position is not None else ctx.ordinal_ref()
    key = case([(present, place)])
    return aggregate(node(this=value, expression=key), ctx)


@sql_expr.register(agg.First)
def _first(call: agg.First, ctx: ExprContext) -> exp.Expr:
    return _by_ordinal(call, ctx, exp.ArgMin)


@sql_expr.register(agg.Last)
def _last(call: agg.Last, ctx: ExprContext) -> exp.Expr:
    return _by_ordinal(call, ctx, exp.ArgMax)


# --- window functions -------------------------------------------------------------------------


@sql_expr.register(win.RowNumber)
def _row_number(call: win.RowNumber, ctx: ExprContext) -> exp.Expr:
    return windowed(exp.RowNumber(), ctx, ordered=True)


@sql_expr.register(win.Rank)
def _rank(call: win.Rank, ctx: ExprContext) -> exp.Expr:
    # Ties share a rank: order by the keys only, without the ordinal.
    return windowed(exp.Rank(), ctx, ordered=True, tie_break=False)


@sql_expr.register(win.DenseRank)
def _dense_rank(call: win.DenseRank, ctx: ExprContext) -> exp.Expr:
    return windowed(exp.DenseRank(), ctx, ordered=True, tie_break=False)


def _shift(
    call: win.Shifted,
    ctx: ExprContext,
    node: type[exp.Lag] | type[exp.Lead],
    value: exp.Expr | None = None,
) -> exp.Expr:
    this = value if value is not None else sql_expr(call.value, ctx)
    if ctx.dialect == "postgres" and value is None and isinstance(call.value, A.Lit):
        # LAG('a'): a text literal has type `unknown` in Postgres, which LAG/LEAD (polymorphic)
        # refuse ("could not determine polymorphic type"); the checker's type is given.
        kind = dtype_of(call.value, ctx)
        this = cast(this, kind) if kind != "null" else this
    return windowed(node(this=this, offset=number(call.offset)), ctx, ordered=True)


@sql_expr.register(win.Lag)
def _lag(call: win.Lag, ctx: ExprContext) -> exp.Expr:
    return _shift(call, ctx, exp.Lag)


@sql_expr.register(win.Lead)
def _lead(call: win.Lead, ctx: ExprContext) -> exp.Expr:
    return _shift(call, ctx, exp.Lead)


@sql_expr.register(win.Diff)
def _diff(call: win.Diff, ctx: ExprContext) -> exp.Expr:
    return binary(exp.Sub, sql_expr(call.value, ctx), _shift(call, ctx, exp.Lag))


@sql_expr.register(win.PctChange)
def _pct_change(call: win.PctChange, ctx: ExprContext) -> exp.Expr:
    value = as_float(call.value, ctx)
    earlier = _shift(call, ctx, exp.Lag, value.copy())
    return safe_div(binary(exp.Sub, value, earlier), earlier.copy())


def _running(fn: exp.Expr, ctx: ExprContext) -> exp.Expr:
    return windowed(fn, ctx, ordered=True, frame=RUNNING)


@sql_expr.register(win.CumSum)
def _cumsum(call: win.CumSum, ctx: ExprContext) -> exp.Expr:
    kind = dtype_of(call.value, ctx)
    total = _running(exp.Sum(this=_summable(sql_expr(call.value, ctx), kind, ctx)), ctx)
    return _sum_type(total, kind, ctx)


@sql_expr.register(win.CumCount)
def _cumcount(call: win.CumCount, ctx: ExprContext) -> exp.Expr:
    inner = exp.Star() if call.value is None else sql_expr(call.value, ctx)
    return _running(exp.Count(this=inner), ctx)


@sql_expr.register(win.CumMin)
def _cummin(call: win.CumMin, ctx: ExprContext) -> exp.Expr:
    make = extreme_of(dtype_of(call.value, ctx), ctx, exp.Min)
    return _running(make(sql_expr(call.value, ctx)), ctx)


@sql_expr.register(win.CumMax)
def _cummax(call: win.CumMax, ctx: ExprContext) -> exp.Expr:
    make = extreme_of(dtype_of(call.value, ctx), ctx, exp.Max)
    return _running(make(sql_expr(call.value, ctx)), ctx)


@sql_expr.register(win.CumAvg)
def _cumavg(call: win.CumAvg, ctx: ExprContext) -> exp.Expr:
    return _running(exp.Avg(this=as_float(call.value, ctx)), ctx)


@sql_expr.register(win.Share)
def _share(call: win.Share, ctx: ExprContext) -> exp.Expr:
    value = as_float(call.value, ctx)
    total = windowed(exp.Sum(this=value.copy()), ctx, ordered=False)
    return safe_div(value, total)
