"""Static warnings: plans that type-check but plausibly say something else than was meant.

Found from the plan alone (no data), after the steps are checked, so names are resolved:

- W303: `x = NULL` or `x != NULL` is null for every row (SQL's three-valued logic), so a
  FILTER on it keeps nothing: `x IS NULL` / `x IS NOT NULL` was meant.
- W306: `GROUP_BY species` followed by an `AGGREGATE` step computes over the groups (one row:
  the number of groups, ...), not per group; in the text form it is what a `COMPUTE` written
  on its own line reads as. Per group is `GROUP_BY species COMPUTE n = COUNT(*)`; counting the
  groups is `AGGREGATE n = COUNT_DISTINCT(species)`.
- W309: `GROUP_BY bill_length_mm COMPUTE longest = MAX(bill_length_mm)`: an aggregate of a
  grouping key over its own groups is the key itself (MIN, MAX, AVG, MEDIAN, FIRST, LAST), 1
  (COUNT_DISTINCT) or 0 (STD, VAR): every group holds one value of it. The real 1.5B model
  wrote it for "What is the longest bill among Chinstrap penguins?" (docs/evaluation.md): one
  value over all the rows is `AGGREGATE longest = MAX(bill_length_mm)`.

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
from pesql.grammar.ops import aggregate, operators, rows
from pesql.grammar.printer import expr_text, quote_name


def static_warnings(plan: A.Plan) -> list[Diagnostic]:
    """W303, W306 and W309 for a plan whose names the checker resolved."""
    out = [d for step in plan.steps for d in _null_comparisons(step)]
    out += _aggregate_after_group_by(plan.steps)
    out += [d for step in plan.steps if isinstance(step, rows.GroupBy) for d in _of_a_key(step)]
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


# What an aggregate of a grouping key is over its own groups (every group: one value of it).
_ITSELF = "`{key}` itself"
_OF_ONE_VALUE: dict[type[A.Call], str] = {
    aggregate.Min: _ITSELF,
    aggregate.Max: _ITSELF,
    aggregate.Avg: _ITSELF,
    aggregate.Median: _ITSELF,
    aggregate.First: _ITSELF,
    aggregate.Last: _ITSELF,
    aggregate.CountDistinct: "1",
    aggregate.Std: "0 or null",
    aggregate.Var: "0 or null",
}


def _of_a_key(step: rows.GroupBy) -> Iterator[Diagnostic]:
    for assign in step.aggregates:
        match assign.expr:
            case aggregate.Aggregate(value=A.Col(name=name)) if name in step.keys:
                what = _OF_ONE_VALUE.get(type(assign.expr))
            case _:
                continue
        if what is None:
            continue  # SUM of a key is the key times the group's rows: a measure of its own
        column = quote_name(name)  # as p-SQL writes it; the message shows it in backticks
        keys = ", ".join(quote_name(k) for k in step.keys)
        yield Diagnostic.make(
            "W309",
            assign.origin,
            found=expr_text(assign.expr),
            name=name,
            expected=what.format(key=name),
            severity="warning",
            hints=(
                f"for one value over all the rows, write AGGREGATE {assign.name} = "
                f"{expr_text(assign.expr)}",
                f"to aggregate {column} per group, group by another column than {keys}",
            ),
        )


__all__ = ["static_warnings"]
