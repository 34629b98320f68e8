"""LIMITs move up past row-wise steps that keep the order, and adjacent LIMITs merge.

Before / after:

    SORT price DESC
    DERIVE margin = price - cost, label = UPPER(name)
    SELECT name, margin, label
    LIMIT 10
    ---
    SORT price DESC
    LIMIT 10
    DERIVE margin = price - cost, label = UPPER(name)
    SELECT name, margin, label

and `LIMIT 10 OFFSET 5` then `LIMIT 3 OFFSET 2` is `LIMIT 3 OFFSET 7`. Row-wise steps
(DERIVE, SELECT, DROP) keep rows and their order, so the first n rows after them are the first
n rows before them, with the step applied: the step then runs on n rows only, and the LIMIT
sits right after the SORT (polars fuses the two into a top-k).

Deliberately not done: moving past FILTER, SORT, WINDOW, GROUP_BY, DISTINCT or AGGREGATE
(which rows come first changes); moving a LIMIT ... WITH TIES (its ties depend on the order
known at that point); moving past a DERIVE whose expressions may fail at run time (fewer rows
could hide the error).
"""

from __future__ import annotations

import dataclasses

from pesql.compiler.passes.analysis import PassContext, may_fail
from pesql.grammar import ast as A
from pesql.grammar.ops import rows

__all__ = ["push_limits"]


def push_limits(plan: A.Plan, ctx: PassContext) -> A.Plan:
    """Each LIMIT (without ties) moved up and merged with a LIMIT it meets."""
    steps = list(plan.steps)
    changed = True
    while changed:
        changed = False
        for i in range(1, len(steps)):
            step, before = steps[i], steps[i - 1]
            if not isinstance(step, rows.Limit) or step.with_ties:
                continue
            match before:
                case rows.Select() | rows.Drop():
                    steps[i - 1], steps[i] = step, before
                case rows.Derive() if not may_fail(before):
                    steps[i - 1], steps[i] = step, before
                case rows.Limit(count=count, offset=offset, with_ties=False):
                    kept = max(0, min(step.count, count - step.offset))
                    merged = rows.Limit(
                        count=kept, offset=offset + step.offset, origin=before.origin
                    )
                    steps[i - 1 : i + 1] = [merged]
                case _:
                    continue
            changed = True
            break
    out = tuple(steps)
    return plan if out == plan.steps else dataclasses.replace(plan, steps=out)
