"""SORTs whose order nothing can observe are removed.

Before / after:

    SORT price DESC
    GROUP_BY region COMPUTE n = COUNT(*), top = MAX(price)
    SORT region
    ---
    GROUP_BY region COMPUTE n = COUNT(*), top = MAX(price)
    SORT region

Following the plan forward from the SORT through FILTER/DERIVE/SELECT/DROP (row-wise, they
keep whatever order they get), its order is dead when the next order-dependent step is:
  AGGREGATE (or GROUP_BY without keys) of order-free aggregates: one row whatever the order;
  GROUP_BY of order-free aggregates, whose output (groups in first-appearance order, which
  the SORT does change) is later sorted by keys including every group key: a total order;
  DISTINCT, likewise, when a later SORT includes all its columns.
Order-free aggregates: COUNT, COUNT_DISTINCT, COUNT_IF, MIN, MAX, MEDIAN, QUANTILE, and SUM
or AVG of integers or decimals (exact sums; AVG of integers is exact while partial sums stay
below 2**53). Group keys and DISTINCT columns must not be floats: polars keeps the first of
-0.0/0.0 (or of NaNs) as the group's value, and which one is first depends on the order.

Deliberately not done: removing a SORT before FIRST/LAST, before SUM/AVG/STD/VAR of floats
(floating-point sums depend on the order of the terms), before LIMIT, WINDOW, or a later SORT
that can tie (ties keep the earlier order); or at the end of the plan (row order is part of
the result). A SORT before GROUP_BY with no later total SORT stays: it decides group order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pesql.compiler.check.schema import Schema
from pesql.compiler.passes.analysis import PassContext, dtype_of
from pesql.grammar import ast as A
from pesql.grammar.ops import aggregate as ag
from pesql.grammar.ops import rows
from pesql.grammar.registry import spec_of

__all__ = ["remove_dead_sorts"]

_ORDER_FREE = (ag.Count, ag.CountDistinct, ag.CountIf, ag.Min, ag.Max, ag.Median, ag.Quantile)
_EXACT_SUMS = frozenset({"integer", "decimal", "null"})
_EXACT_KEYS = frozenset({"integer", "decimal", "string", "boolean", "date", "datetime"})


def remove_dead_sorts(plan: A.Plan, ctx: PassContext) -> A.Plan:
    """Every SORT whose order cannot reach the result removed."""
    schemas = ctx.schemas(plan)
    if schemas is None:
        return plan  # every rule needs the types of aggregates or keys
    kept = tuple(
        step
        for i, step in enumerate(plan.steps)
        if not (isinstance(step, rows.Sort) and _dead(plan.steps, i, schemas))
    )
    return plan if kept == plan.steps else dataclasses.replace(plan, steps=kept)


def _dead(steps: Sequence[A.Step], i: int, schemas: Sequence[Schema]) -> bool:
    unique: frozenset[str] | None = None  # columns known to tell all rows apart
    for j in range(i + 1, len(steps)):
        step, schema = steps[j], schemas[j]
        match step:
            case rows.Filter():
                continue
            case rows.Derive(columns=assigns):
                if unique is not None and unique & {a.name for a in assigns}:
                    unique = None
            case rows.Drop(columns=dropped):
                if unique is not None and unique & set(dropped):
                    unique = None
            case rows.Select(columns=items):
                renamed = {i.column: i.as_ or i.column for i in items}
                carried = unique is not None and unique <= set(renamed)
                unique = frozenset(renamed[c] for c in unique) if carried and unique else None
            case rows.AggregateStep(aggregates=aggs):
                return _order_free(aggs, schema)
            case rows.GroupBy(keys=keys, aggregates=aggs):
                if not _order_free(aggs, schema):
                    return False
                if not keys:
                    return True
                if not _exact(keys, schema):
                    return False
                unique = frozenset(keys)
            case rows.Distinct(columns=cols):
                names = cols or tuple(schema.names())
                if not _exact(names, schema):
                    return False
                unique = frozenset(names)
            case rows.Sort(keys=keys):
                return unique is not None and unique <= {k.column for k in keys}
            case _:
                return False  # LIMIT, WINDOW: they read the order
    return False  # the output: its row order is part of the answer


def _order_free(aggs: tuple[A.Assign, ...], schema: Schema) -> bool:
    for node in (n for a in aggs for n in a.expr.walk()):
        if isinstance(node, ag.Sum | ag.Avg):
            if dtype_of(node.value, schema) not in _EXACT_SUMS:
                return False
        elif (
            isinstance(node, A.Call)
            and spec_of(node).category == "aggregate"
            and not isinstance(node, _ORDER_FREE)
        ):
            return False
    return True


def _exact(columns: Sequence[str], schema: Schema) -> bool:
    types = [schema.get(c) for c in columns]
    return all(t is not None and t.dtype in _EXACT_KEYS for t in types)
