"""Adjacent FILTERs become one FILTER of a flat AND.

Before / after:

    FILTER price > 10
    FILTER region = 'West'
    ---
    FILTER price > 10 AND region = 'West'

Rows pass both filters exactly when they pass the conjunction, and NULL counts as "no" in
either form. Deliberately not done: merging when the second condition may fail at run time
(a strict CAST, a regex): the merged condition is evaluated on rows the first filter would
have removed, which could raise an error the original plan never meets
(`FILTER code != 'n/a'` then `FILTER CAST(code, 'integer') > 3` stays two steps).
"""

from __future__ import annotations

import dataclasses

from pesql.compiler.passes.analysis import PassContext, conjoin, may_fail
from pesql.grammar import ast as A
from pesql.grammar.ops import rows

__all__ = ["merge_filters"]


def merge_filters(plan: A.Plan, ctx: PassContext) -> A.Plan:
    """Each run of mergeable FILTERs as one FILTER."""
    out: list[A.Step] = []
    for step in plan.steps:
        match out[-1:], step:
            case [rows.Filter(where=first) as previous], rows.Filter(where=second) if not may_fail(
                second
            ):
                out[-1] = rows.Filter(where=conjoin(first, second), origin=previous.origin)
            case _:
                out.append(step)
    steps = tuple(out)
    return plan if steps == plan.steps else dataclasses.replace(plan, steps=steps)
