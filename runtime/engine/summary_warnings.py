"""W310: a summary row (a total, a section header, a footnote) takes part in the answer.

Loading keeps every row and reports the ones that look like totals (runtime/tables/clean/
summary.py). A plan that counts, sums, ranks or takes the top row over such a table then
counts the total too, or answers with it ("which party got the most votes?" -> `Total`),
and nothing fails. This check reruns the plan without the summary rows: when the answer
changes, the warning names the rows that change it on their own (all of them when they only
do together) and gives the filter that leaves every summary row out.

    >>> import polars as pl
    >>> from pesql.runtime.tables.table import load_table
    >>> from pesql.runtime.engine.execute import compile
    >>> raw = pl.DataFrame({"Party": ["Red", "Blue", "Total"], "Votes": ["10", "12", "22"]})
    >>> table = load_table(raw, name="t", clean=True)
    >>> plan = compile("SORT Votes DESC\\nLIMIT 1", table.schema())
    >>> [d.message for d in plan.collect(table).notes]
    ["row 3 (a total: 'Total') takes part in the answer: it changes without that row"]

Bounded work: only plans that aggregate, use a window or LIMIT; only tables whose summary
rows were found in a complete sample (at most 10,000 rows, so every rerun is small), one
rerun, then at most `MAX_CHECKED` more when the answer changed; only for tables loaded with
the default `summary_rows="keep"`.
"""

from __future__ import annotations

import polars as pl
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.check.check import CheckedPlan
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic
from pesql.grammar.ops import aggregate, rows
from pesql.grammar.printer import quote_name, quote_string
from pesql.runtime.engine.limits import PolarsEngine
from pesql.runtime.tables.clean.summary import SummaryRow
from pesql.runtime.tables.table import Table

MAX_CHECKED = 5
_ROW = "__pesql_summary_row"


def may_involve(plan: A.Plan) -> bool:
    """Does the plan aggregate, use a window, or keep the first rows (an argmax)?"""
    for step in plan.steps:
        if isinstance(step, rows.GroupBy | rows.AggregateStep | rows.Window | rows.Limit):
            return True
        if any(isinstance(node, aggregate.Aggregate) for node in step.walk()):
            return True
    return False


def summary_warnings(
    checked: CheckedPlan, table: Table, answer: pl.DataFrame, engine: PolarsEngine = "auto"
) -> list[Diagnostic]:
    """W310 for the summary rows of `table` without which `answer` would differ."""
    report = table.report
    if (
        report is None
        or report.summary_mode != "keep"
        or not report.summary_rows
        or not report.complete
        or not may_involve(checked.plan)
    ):
        return []
    numbered = table.frame.with_row_index(_ROW)
    checked_rows = report.summary_rows[:MAX_CHECKED]

    def changes(left_out: list[SummaryRow]) -> bool:
        indices = [r.row - 1 for r in left_out]
        without = numbered.filter(~pl.col(_ROW).is_in(indices)).drop(_ROW)
        return not to_polars(checked, without).collect(engine=engine).equals(answer)

    if not changes(list(checked_rows)):  # one rerun settles the common case
        return []
    # Name the rows that change the answer on their own; when they only do together (the
    # second-largest total wins once the largest is gone), name them all.
    alone = [r for r in checked_rows if changes([r])]
    condition = _leave_out(report.summary_rows, table)
    return [_warning(r, condition) for r in alone or checked_rows]


def _leave_out(found: tuple[SummaryRow, ...], table: Table) -> str | None:
    """The FILTER condition that removes every summary row labelled in a text column."""
    schema = table.frame.collect_schema()
    labels: dict[str, list[str]] = {}
    for r in found:
        if schema.get(r.column) == pl.String:
            labels.setdefault(r.column, []).append(r.label)
    parts = []
    for column, values in labels.items():
        quoted = [quote_string(v) for v in dict.fromkeys(values)]
        if len(quoted) == 1:
            parts.append(f"{quote_name(column)} != {quoted[0]}")
        else:
            parts.append(f"NOT {quote_name(column)} IN ({', '.join(quoted)})")
    return " AND ".join(parts) or None


def _warning(summary: SummaryRow, condition: str | None) -> Diagnostic:
    what = {"total": "a total", "section": "a section header", "footnote": "a footnote"}
    label = summary.label if len(summary.label) <= 40 else summary.label[:39] + "…"
    found = f"row {summary.row} ({what[summary.kind]}: {label!r})"
    hints = ["load the table with summary_rows='drop' (or 'flag': FILTER NOT summary_row)"]
    if condition is not None:
        hints.insert(0, f"leave the summary rows out first: FILTER {condition}")
    return Diagnostic.make("W310", found=found, severity="warning", hints=hints)


__all__ = ["MAX_CHECKED", "may_involve", "summary_warnings"]
