"""Steps and items that change nothing are removed.

Before / after (over a table with columns a, b):

    FILTER TRUE
    DERIVE a = a, c = b + 1
    SELECT a, b, c
    DROP
    ---
    DERIVE c = b + 1

Removed: FILTER TRUE; SELECT of every column in order without renaming; DERIVE items
`x = x`; DERIVE, WINDOW, DROP and SORT with nothing left in them.

Deliberately not done: LIMIT n (a no-op only when the table has at most n rows, which a
plan cannot know); DISTINCT (even on a key column: rows are unique only if the data says so);
FILTER FALSE (it empties the table: the steps after it still decide the columns). Without a
schema, SELECT is kept (whether it lists every column is unknown).
"""

from __future__ import annotations

import dataclasses

from pesql.compiler.passes.analysis import PassContext
from pesql.grammar import ast as A
from pesql.grammar.ops import rows

__all__ = ["remove_noops"]


def remove_noops(plan: A.Plan, ctx: PassContext) -> A.Plan:
    """The plan without steps (and DERIVE items) that do nothing."""
    schemas = ctx.schemas(plan)
    out: list[A.Step] = []
    for i, step in enumerate(plan.steps):
        names = None if schemas is None else schemas[i].names()
        match step:
            case rows.Filter(where=A.Lit(value=True)):
                continue
            case rows.Select(columns=items) if (
                names is not None
                and [i.column for i in items] == names
                and all(i.as_ in (None, i.column) for i in items)
            ):
                continue
            case rows.Derive(columns=assigns):
                kept = tuple(a for a in assigns if a.expr != A.Col(name=a.name))
                if kept:
                    out.append(step if kept == assigns else dataclasses.replace(step, columns=kept))
                continue
            case rows.Drop(columns=()) | rows.Window(columns=()) | rows.Sort(keys=()):
                continue
        out.append(step)
    steps = tuple(out)
    return plan if steps == plan.steps else dataclasses.replace(plan, steps=steps)
