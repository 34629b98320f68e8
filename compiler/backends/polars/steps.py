"""Pipeline steps -> LazyFrame transformations (one `singledispatch` table over step classes).

Every step is deterministic: SORT is stable, GROUP_BY and DISTINCT keep first-appearance
order, WINDOW keeps the input row order. `order` is the key list of the most recent SORT that
still describes the rows (LIMIT ... WITH TIES compares on it); `sort_keys_after` maintains it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence

import polars as pl
from pesql.compiler.backends.polars.exprs import Ctx, columns_of, condition, lower
from pesql.compiler.backends.polars.integers import is_integer
from pesql.compiler.backends.polars.names import col, cols, exactly, fresh
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.grammar.ast import Assign, SortKey, Step
from pesql.grammar.ops import rows

Order = tuple[SortKey, ...]


@functools.singledispatch
def lower_step(
    step: Step, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    """`frame` transformed by `step`; `order` is the sort order the rows are known to have,
    `schema` the input's checked schema (when known: some lowerings are simpler on known
    types, `Ctx.dtype`)."""
    raise NotImplementedError(f"no polars lowering for {type(step).__name__}")


def fresh_name(frame: pl.LazyFrame, base: str) -> str:
    """A column name not in `frame` (for helper columns such as a row index)."""
    return fresh(frame.collect_schema().names(), base)


def with_assigns(frame: pl.LazyFrame, assigns: Sequence[Assign], ctx: Ctx) -> pl.LazyFrame:
    """Add the columns in order; a column may read one defined before it in the same step."""
    batch: list[Assign] = []
    named: set[str] = set()  # the batch's names, kept as it grows (not rebuilt per item)
    for assign in assigns:
        # A column read from the batch, or a name assigned twice in one batch (polars would
        # reject the projection), starts a new batch.
        if assign.name in named or not columns_of(assign.expr).isdisjoint(named):
            frame = frame.with_columns(lower(a.expr, ctx).alias(a.name) for a in batch)
            ctx = _after(batch, ctx)
            batch, named = [], set()
        batch.append(assign)
        named.add(assign.name)
    if batch:
        frame = frame.with_columns(lower(a.expr, ctx).alias(a.name) for a in batch)
    return frame


def _after(batch: Sequence[Assign], ctx: Ctx) -> Ctx:
    """`ctx` for the items after `batch`: a column the batch made an integer is known to be
    one (`DERIVE x = a * b, y = x * x` checks `x * x` for overflow: integers.py)."""
    if ctx.schema is None:
        return ctx
    schema, assigned = ctx.schema, set(ctx.assigned)
    for a in batch:
        if is_integer(a.expr, ctx):
            schema = schema.with_column(a.name, ColumnType("integer"))
            assigned.discard(a.name)
        else:
            assigned.add(a.name)
    return dataclasses.replace(ctx, schema=schema, assigned=frozenset(assigned), integers={})


def sort_frame(
    frame: pl.LazyFrame, keys: Iterable[SortKey], *, stable: bool = True
) -> pl.LazyFrame:
    keys = tuple(keys)
    if not keys:
        return frame
    return frame.sort(
        cols(k.column for k in keys),
        descending=[k.descending for k in keys],
        nulls_last=[k.nulls_last for k in keys],
        maintain_order=stable,  # stable: ties keep their current order
    )


Unique = frozenset[str] | None


def unique_key_after(step: Step, unique: Unique, columns: Sequence[str]) -> Unique:
    """Columns no two rows agree on after `step` (None: not known). A SORT whose keys cover
    them cannot meet ties, so it may skip the cost of a stable sort (same result)."""
    match step:
        case rows.GroupBy(keys=keys) if keys:
            return frozenset(keys)
        case rows.AggregateStep():
            return frozenset()  # one row
        case rows.Distinct(columns=cols):
            return frozenset(cols or columns)
        case rows.Filter() | rows.Sort() | rows.Limit():
            return unique
        case rows.Select(columns=items) if unique is not None:
            renamed = {i.column: i.as_ or i.column for i in items}
            return frozenset(renamed[c] for c in unique) if unique <= set(renamed) else None
        case rows.Drop(columns=dropped) if unique is not None:
            return None if unique & set(dropped) else unique
        case rows.Derive(columns=assigns) | rows.Window(columns=assigns) if unique is not None:
            return None if unique & {a.name for a in assigns} else unique
    return None


@lower_step.register(rows.Filter)
def _filter(
    step: rows.Filter, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    # polars drops null conditions, as SQL
    return frame.filter(condition(step.where, Ctx(schema=schema)))


@lower_step.register(rows.Select)
def _select(
    step: rows.Select, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    return frame.select(col(c.column).alias(c.as_ or c.column) for c in step.columns)


@lower_step.register(rows.Drop)
def _drop(
    step: rows.Drop, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    return frame.drop(exactly(step.columns))


@lower_step.register(rows.Derive)
def _derive(
    step: rows.Derive, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    ctx = Ctx(schema=schema, assigned=frozenset(a.name for a in step.columns))
    return with_assigns(frame, step.columns, ctx)


def _aggregates(assigns: Sequence[Assign], ctx: Ctx) -> list[pl.Expr]:
    return [lower(a.expr, ctx).alias(a.name) for a in assigns]


@lower_step.register(rows.GroupBy)
def _group_by(
    step: rows.GroupBy, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    if not step.keys:  # no keys: one group, the whole table
        return frame.select(_aggregates(step.aggregates, Ctx(mode="group", schema=schema)))
    ctx = Ctx(mode="group", keys=frozenset(step.keys), schema=schema)
    # maintain_order: groups come out in order of first appearance, so results are stable.
    grouped = frame.group_by(cols(step.keys), maintain_order=True)
    return grouped.agg(_aggregates(step.aggregates, ctx))


@lower_step.register(rows.AggregateStep)
def _aggregate(
    step: rows.AggregateStep, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    # A select of aggregates is one row even on an empty table (COUNT 0, the rest null).
    return frame.select(_aggregates(step.aggregates, Ctx(mode="group", schema=schema)))


@lower_step.register(rows.Sort)
def _sort(
    step: rows.Sort, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    return sort_frame(frame, step.keys)


@lower_step.register(rows.Limit)
def _limit(
    step: rows.Limit, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    if not step.with_ties or not order or step.count <= 0:
        return frame.slice(step.offset, max(step.count, 0))
    index = fresh_name(frame, "__pesql_row")
    end = step.offset + step.count
    numbered = frame.with_row_index(index)
    # Peers of the last kept row (nulls equal nulls, as SQL peers). When that row does not
    # exist, no row lies beyond it either, so the comparison with null never matters.
    tied = pl.all_horizontal(
        col(k.column).eq_missing(col(k.column).slice(end - 1, 1).first()) for k in order
    )
    row = pl.col(index)
    kept = numbered.filter((row >= step.offset) & ((row < end) | tied))
    return kept.drop(index)


@lower_step.register(rows.Distinct)
def _distinct(
    step: rows.Distinct, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    if step.columns:
        frame = frame.select(cols(step.columns))
    return frame.unique(keep="first", maintain_order=True)


@lower_step.register(rows.Window)
def _window(
    step: rows.Window, frame: pl.LazyFrame, order: Order, schema: Schema | None = None
) -> pl.LazyFrame:
    ctx = Ctx(
        mode="window",
        partition=step.partition_by,
        order_keys=tuple(k.column for k in step.order_by),
        schema=schema,
        assigned=frozenset(a.name for a in step.columns),
    )
    if not step.order_by:
        return with_assigns(frame, step.columns, ctx)
    # Mixed directions and per-key null placement: sort the whole frame into window order
    # (stable), compute per partition in that order, then restore the input order.
    index = fresh_name(frame, "__pesql_row")
    ordered = sort_frame(frame.with_row_index(index), step.order_by)
    computed = with_assigns(ordered, step.columns, ctx)
    return computed.sort(index).drop(index)


def sort_keys_after(step: Step, order: Order) -> Order:
    """The sort order the rows still have after `step` (empty when no longer known)."""
    match step:
        case rows.Sort(keys=keys):
            return keys
        case rows.Filter() | rows.Limit():
            return order
        case rows.Select(columns=items):
            renamed = {i.column: i.as_ or i.column for i in items}
            if all(k.column in renamed for k in order):
                return tuple(
                    SortKey(
                        column=renamed[k.column], descending=k.descending, nulls_last=k.nulls_last
                    )
                    for k in order
                )
            return ()
        case rows.Drop(columns=dropped):
            return () if {k.column for k in order} & set(dropped) else order
        case rows.Derive(columns=assigns) | rows.Window(columns=assigns):
            replaced = {a.name for a in assigns}
            return () if {k.column for k in order} & replaced else order
        case rows.Distinct(columns=cols):
            return order if not cols or {k.column for k in order} <= set(cols) else ()
    return ()


__all__ = ["Order", "fresh_name", "lower_step", "sort_frame", "sort_keys_after", "with_assigns"]
