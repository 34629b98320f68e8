"""FILTERs move up, before steps they do not depend on, so later steps see fewer rows.

Before / after:

    DERIVE margin = price - cost
    SORT margin DESC
    FILTER region = 'West'
    ---
    FILTER region = 'West'
    DERIVE margin = price - cost
    SORT margin DESC

A FILTER moves before:
  DERIVE      when it reads none of the derived columns;
  SELECT      always (column references are renamed back through the SELECT's `AS`);
  DROP, SORT  always (a stable sort keeps the filtered rows in the same relative order);
  WINDOW      when it reads only PARTITION BY columns (whole partitions go, the others keep
              their values) that are not floats;
  GROUP_BY    when it reads only group keys (whole groups go), the keys it reads are not
              floats, and there is at least one key;
  JOIN, LOOKUP when it reads only columns of the current table (none the join adds): a row
              dropped before the join loses exactly its own matches, and the order of the
              others is kept. A condition on an added column never moves: it would have to go
              into the joined table, and for LEFT JOIN and LOOKUP its nulls (rows without a
              match) only exist after the join.
It never moves before LIMIT (which rows are first changes), DISTINCT or AGGREGATE, nor before
a WINDOW/GROUP_BY over floats: polars puts -0.0 with 0.0 (and NaN with NaN) in one group and
shows the first, so a condition that tells them apart (`CONCAT(x) = '0.0'`) would see other
values. A step that may fail at run time (strict CAST, regex) is never given fewer rows, which
could hide its error; without a schema, moves that need key types are not made.
"""

from __future__ import annotations

import dataclasses

from pesql.compiler.check.schema import Schema
from pesql.compiler.passes.analysis import (
    PassContext,
    columns_of,
    may_fail,
    rename_columns,
    writes,
)
from pesql.grammar import ast as A
from pesql.grammar.ops import rows
from pesql.grammar.ops.joins import Join, Lookup, keeps_unmatched

__all__ = ["push_filters"]

# Key types whose groups are exactly "equal values" (floats merge -0.0/0.0 and NaNs).
_EXACT_KEYS = frozenset({"integer", "decimal", "string", "boolean", "date", "datetime"})


def push_filters(plan: A.Plan, ctx: PassContext) -> A.Plan:
    """Each FILTER moved as far up as the rules above allow."""
    steps = list(plan.steps)
    moved = True
    while moved:
        moved = False
        schemas = ctx.schemas(A.Plan(steps=tuple(steps)))
        for i in range(1, len(steps)):
            step, before = steps[i], steps[i - 1]
            if not isinstance(step, rows.Filter):
                continue
            schema = None if schemas is None else schemas[i - 1]
            pushed = _across(step, before, schema)
            if pushed is not None:
                steps[i - 1], steps[i] = pushed, before
                moved = True
                break  # schemas changed: start again
    out = tuple(steps)
    return plan if out == plan.steps else dataclasses.replace(plan, steps=out)


def _across(f: rows.Filter, step: A.Step, schema: Schema | None) -> rows.Filter | None:
    """The filter as it reads before `step`, or None when it cannot move there."""
    used = columns_of(f.where)
    match step:
        case rows.Sort() | rows.Drop():
            return f
        case rows.Select(columns=items):
            source = {i.as_ or i.column: i.column for i in items}
            return dataclasses.replace(f, where=rename_columns(f.where, source))
        case rows.Derive() if not used & writes(step) and not may_fail(step):
            return f
        case rows.Window(partition_by=part) if (
            part
            and used <= set(part)
            and not used & writes(step)
            and not may_fail(step)
            and _exact(used, schema)
        ):
            return f
        case Join() | Lookup() if (
            schema is not None
            and used <= set(schema.names())
            # Before an inner/semi/anti join the filter also sees rows the join would drop:
            # one that may fail must not meet rows it never met.
            and (keeps_unmatched(step) or not may_fail(f))
        ):
            return f
        case rows.GroupBy(keys=keys) if (
            keys and used <= set(keys) and not may_fail(step) and _exact(used, schema)
        ):
            return f
    return None


def _exact(columns: set[str], schema: Schema | None) -> bool:
    """Whether these key columns group by plain equality (known, non-float types)."""
    if schema is None:
        return False
    types = [schema.get(c) for c in columns]
    return all(t is not None and t.dtype in _EXACT_KEYS for t in types)
