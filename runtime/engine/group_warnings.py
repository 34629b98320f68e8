"""Data-aware warnings about grouping: a GROUP_BY that does not group.

Measured on a real 1.5B model (docs/evaluation.md, issue 16): the commonest wrong answer that
raised nothing was a plan that grouped where the question asked for one value. "How many
cars have 8 cylinders?" became `FILTER Cylinders = 8; GROUP_BY Cylinders COMPUTE n =
COUNT(*)` (the filtered key kept as an extra column), and "What was the average gas price in
the 1990s?" became `GROUP_BY year COMPUTE avg = AVG(gas)` over yearly rows (one group per
row: the "average" of each row is the row). Both run and answer; neither is what was asked.

- W307: a GROUP_BY over at least two rows whose keys have one value (one group): the key is
  constant, usually fixed by an earlier FILTER, and AGGREGATE gives the same row without it.
- W308: a GROUP_BY whose every group is one row (as many groups as rows, at least
  `MIN_ROWS`): the aggregates compute nothing. The hint suggests AGGREGATE for one value, or a
  coarser key (YEAR/MONTH of a date).

The plan up to the GROUP_BY runs once more, for one count per GROUP_BY: only where the run's
source is cheap to read twice (execute.py's rule for W305). A GROUP_BY that cannot be
measured (a join's input, an engine error) gives no warning.
"""

from __future__ import annotations

import polars as pl
from pesql.compiler.backends.polars.names import col
from pesql.compiler.check.check import CheckedPlan
from pesql.grammar.diagnostics import Diagnostic
from pesql.grammar.ops import rows
from pesql.grammar.printer import quote_name, shown_value
from pesql.runtime.engine.batched import Queries
from pesql.runtime.engine.prefixes import Prefixes

MIN_ROWS = 3  # two rows in two groups is too little to call the grouping a mistake
_DATES = ("date", "datetime")


def group_warnings(checked: CheckedPlan, prefixes: Prefixes) -> Queries[Diagnostic]:
    """W307/W308 for each GROUP_BY with keys that makes one group, or a group per row (one
    count per GROUP_BY, all in one round)."""
    groupings: list[tuple[int, rows.GroupBy, pl.LazyFrame]] = []
    for index, step in enumerate(checked.plan.steps):
        if not isinstance(step, rows.GroupBy) or not step.keys:
            continue
        lazy = prefixes.before(index)
        if lazy is None:
            continue  # after a join: not measured
        keys = [col(k) for k in step.keys]
        # One query: the counts, and the first keys (W307 names them when they never vary).
        counts = lazy.select(
            pl.len().alias("rows"),
            pl.struct(keys).n_unique().alias("groups"),
            pl.struct(keys).first().alias("first"),
        )
        groupings.append((index, step, counts))
    if not groupings:
        return []
    counted = yield [counts for _, _, counts in groupings]
    out: list[Diagnostic] = []
    for (index, step, _), found in zip(groupings, counted, strict=True):
        n, groups, first = found.row(0)
        named = ", ".join(quote_name(k) for k in step.keys)
        if groups == 1 and n >= 2:
            out.append(_one_group(step, named, n, first))
        elif groups == n and n >= MIN_ROWS:
            out.append(_group_per_row(step, named, n, checked, index))
    return out


def _one_group(step: rows.GroupBy, named: str, n: int, first: dict[str, object]) -> Diagnostic:
    held = ", ".join(f"{quote_name(k)} = {shown_value(first[k])}" for k in step.keys)
    return Diagnostic.make(
        "W307",
        step.origin,
        found=f"GROUP_BY {named}",
        problem=f"all {n} rows have {held}",
        severity="warning",
        hints=(
            "for one value over these rows, write AGGREGATE with the same aggregates: the "
            "answer then has no key column; keep the GROUP_BY only if the key belongs in "
            "the answer",
        ),
    )


def _group_per_row(
    step: rows.GroupBy, named: str, n: int, checked: CheckedPlan, index: int
) -> Diagnostic:
    hints = [
        "for one value over all the rows, write AGGREGATE (no keys); to group, choose a key "
        "whose values repeat"
    ]
    schema = checked.step_schemas[index - 1] if index else checked.input_schema
    dated = [k for k in step.keys if (t := schema.get(k)) is not None and t.dtype in _DATES]
    if dated:
        first = quote_name(dated[0])
        hints.append(
            f"to group by a period, DERIVE it first: DERIVE y = YEAR({first}) (or MONTH, "
            f"QUARTER, DATE_TRUNC('month', {first})), then GROUP_BY y"
        )
    return Diagnostic.make(
        "W308",
        step.origin,
        found=f"GROUP_BY {named}",
        problem=f"each of the {n} rows is a group of its own, so "
        + ("its aggregates compute nothing" if step.aggregates else "it changes nothing"),
        severity="warning",
        hints=tuple(hints),
    )


__all__ = ["MIN_ROWS", "group_warnings"]
