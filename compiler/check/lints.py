"""Static warnings: plans that type-check but plausibly say something else than was meant.

Found from the plan alone (no data), after the steps are checked, so names are resolved:

- W303: `x = NULL` or `x != NULL` is null for every row (SQL's three-valued logic), so a
  FILTER on it keeps nothing: `x IS NULL` / `x IS NOT NULL` was meant.
- W306: `GROUP_BY species` followed by an `AGGREGATE` step computes over the groups (one row:
  the number of groups, ...), not per group; in the text form it is what a `COMPUTE` written
  on its own line reads as. Per group is `GROUP_BY species COMPUTE n = COUNT(*)`; counting the
  groups is `AGGREGATE n = COUNT_DISTINCT(species)`.

    >>> from pesql.grammar.parse import parse
    >>> [d.code for d in static_warnings(parse("FILTER sex = NULL"))]
    ['W303']

The data-aware warnings (W301, W302, W304, W305) are the runtime's
(runtime/engine/data_warnings.py): they need the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic
from pesql.grammar.ops import operators, rows
from pesql.grammar.printer import expr_text


def static_warnings(plan: A.Plan) -> list[Diagnostic]:
    """W303 and W306 for a plan whose names the checker resolved."""
    out = [d for step in plan.steps for d in _null_comparisons(step)]
    out += _aggregate_after_group_by(plan.steps)
    return out


_EQ_NE = (operators.Eq, operators.Ne)


def _null_comparisons(step: A.Step) -> Iterator[Diagnostic]:
    for node in step.walk():
        if type(node) not in _EQ_NE:
            continue  # one type test per node before the patterns' attribute reads
        match node:
            case (
                operators.Eq(left=other, right=A.Lit(value=None))
                | operators.Eq(left=A.Lit(value=None), right=other)
            ):
                test = "IS NULL"
            case (
                operators.Ne(left=other, right=A.Lit(value=None))
                | operators.Ne(left=A.Lit(value=None), right=other)
            ):
                test = "IS NOT NULL"
            case _:
                continue
        yield Diagnostic.make(
            "W303",
            node.origin,
            found=expr_text(node),
            severity="warning",
            hints=(f"write `{expr_text(other)} {test}`",),
        )


def _aggregate_after_group_by(steps: tuple[A.Step, ...]) -> Iterator[Diagnostic]:
    for before, step in pairwise(steps):
        if not (
            isinstance(before, rows.GroupBy)
            and not before.aggregates
            and isinstance(step, rows.AggregateStep)
        ):
            continue
        keys = ", ".join(before.keys)
        assigns = ", ".join(f"{a.name} = {expr_text(a.expr)}" for a in step.aggregates)
        yield Diagnostic.make(
            "W306",
            step.origin,
            found=keys,
            severity="warning",
            hints=(
                f"per group, write one step: GROUP_BY {keys} COMPUTE {assigns}",
                f"to count the groups, write AGGREGATE n = COUNT_DISTINCT({before.keys[0]})",
            ),
        )


__all__ = ["static_warnings"]
