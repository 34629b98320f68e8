"""A subexpression repeated within one DERIVE is computed once, in a temporary column.

Before / after:

    DERIVE a = SQRT(x * y) * 2, b = SQRT(x * y) + 1
    ---
    DERIVE _cse = SQRT(x * y), a = _cse * 2, b = _cse + 1
    DROP _cse

Only subexpressions containing an operation declared `conditional`, which the polars backend
lowers through `when/then` (DIV, MOD, SQRT, LN, LOG, POW, EXP, IF, CASE), are shared: polars'
own common-subexpression elimination already shares plain arithmetic (a temp column is then
slower), but not what is built around a `when/then` (polars 2.1; `python -m bench.optimizer`,
row "CSE temp column").
The largest repeated subexpression goes first; the pass repeats while any is left.

Deliberately not done: sharing across steps or inside GROUP_BY/AGGREGATE/WINDOW items (their
expressions are aggregates or per-partition); sharing a subexpression that reads a column the
same DERIVE assigns (its occurrences may see different values); sharing without a schema (a
temporary name must not clash with a column of the table).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from pesql.compiler.passes.analysis import PassContext
from pesql.grammar import ast as A
from pesql.grammar.ast import columns_of
from pesql.grammar.ops import rows
from pesql.grammar.printer import expr_text
from pesql.grammar.registry import all_ops

__all__ = ["share_subexpressions"]

_CONDITIONAL = tuple(s.cls for s in all_ops("scalar") if s.traits.conditional)
TEMP = "_cse"


def share_subexpressions(plan: A.Plan, ctx: PassContext) -> A.Plan:
    """Each DERIVE with repeated costly subexpressions split into temp columns + DROP."""
    schemas = ctx.schemas(plan)
    if schemas is None:
        return plan
    out: list[A.Step] = []
    for i, step in enumerate(plan.steps):
        if isinstance(step, rows.Derive):
            out.extend(_share(step, set(schemas[i].names())))
        else:
            out.append(step)
    steps = tuple(out)
    return plan if steps == plan.steps else dataclasses.replace(plan, steps=steps)


def _share(step: rows.Derive, taken: set[str]) -> list[A.Step]:
    assigns = list(step.columns)
    names = {a.name for a in assigns}
    temps: list[A.Assign] = []
    while (repeated := _largest_repeat([*temps, *assigns], names | _names(temps))) is not None:
        temp = _fresh(taken | names | _names(temps))
        temps.append(A.Assign(name=temp, expr=repeated))
        column = A.Col(name=temp)
        assigns = [dataclasses.replace(a, expr=_replace(a.expr, repeated, column)) for a in assigns]
        # A temp may repeat inside a later one's expression: replace there too.
        temps = [temps[-1]] + [
            dataclasses.replace(t, expr=_replace(t.expr, repeated, column)) for t in temps[:-1]
        ]
    if not temps:
        return [step]
    # The largest repeat goes first, so a later temp is a part of an earlier one (never the
    # other way round: candidates reading a temp are skipped): define the later ones first.
    derive = dataclasses.replace(step, columns=(*temps, *assigns))
    return [derive, rows.Drop(columns=tuple(t.name for t in temps))]


def _largest_repeat(assigns: list[A.Assign], assigned: set[str]) -> A.Expr | None:
    counts: Counter[A.Expr] = Counter()
    for a in assigns:
        if not any(isinstance(n, _CONDITIONAL) for n in a.expr.walk()):
            continue  # no part of it is costly (the usual case): one walk, not one per node
        for node in a.expr.walk():
            if isinstance(node, A.Call) and any(isinstance(n, _CONDITIONAL) for n in node.walk()):
                counts[node] += 1
    candidates = [e for e, n in counts.items() if n > 1 and not columns_of(e) & assigned]
    return max(candidates, key=lambda e: (len(expr_text(e)), expr_text(e)), default=None)


def _replace(node: A.Expr, target: A.Expr, column: A.Col) -> A.Expr:
    # Bottom-up is safe: a node equal to `target` has no part equal to it.
    replaced = node.transform(lambda n: column if n == target else n)
    assert isinstance(replaced, A.Expr)
    return replaced


def _names(assigns: list[A.Assign]) -> set[str]:
    return {a.name for a in assigns}


def _fresh(taken: set[str]) -> str:
    name, k = TEMP, 2
    while name in taken:
        name, k = f"{TEMP}_{k}", k + 1
    return name
