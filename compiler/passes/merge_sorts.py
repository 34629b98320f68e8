"""Two SORTs in a row become one multi-key SORT (stable sorting makes them the same).

Before / after:

    SORT region
    SORT price DESC
    ---
    SORT price DESC, region

The second sort decides the order; rows it ties keep the order the first one gave them, which
is exactly a sort by the second keys, then the first. A key repeated in the first sort adds
nothing after the same column in the second (`SORT a, b` then `SORT a` is `SORT a, b`).

Deliberately not done: merging when a LIMIT ... WITH TIES follows, since its ties are judged
on the last SORT's keys only and the merged sort has more keys (fewer ties); dropping the first
sort (SORT a then SORT b is not SORT b: the ties of b are ordered by a). A FILTER between two
sorts is moved out of the way by push_filters first.
"""

from __future__ import annotations

import dataclasses

from pesql.compiler.passes.analysis import PassContext
from pesql.grammar import ast as A
from pesql.grammar.ops import rows

__all__ = ["merge_sorts"]


def merge_sorts(plan: A.Plan, ctx: PassContext) -> A.Plan:
    """Adjacent SORTs merged (unless a LIMIT WITH TIES comes after them)."""
    out: list[A.Step] = []
    for i, step in enumerate(plan.steps):
        ties_later = any(isinstance(s, rows.Limit) and s.with_ties for s in plan.steps[i:])
        match out[-1:], step:
            case [rows.Sort(keys=first) as previous], rows.Sort(keys=second) if not ties_later:
                named = {k.column for k in second}
                keys = second + tuple(k for k in first if k.column not in named)
                out[-1] = rows.Sort(keys=_unique(keys), origin=previous.origin)
            case _:
                out.append(step)
    steps = tuple(out)
    return plan if steps == plan.steps else dataclasses.replace(plan, steps=steps)


def _unique(keys: tuple[A.SortKey, ...]) -> tuple[A.SortKey, ...]:
    """Each column once, at its first place (a later key on it never breaks a tie)."""
    seen: set[str] = set()
    out = []
    for k in keys:
        if k.column not in seen:
            seen.add(k.column)
            out.append(k)
    return tuple(out)
