"""Data-aware warnings about order: text ordered as text, and a LIMIT that splits a tie.

- W304: a SORT key, a WINDOW's ORDER BY, MIN/MAX (CUMMIN/CUMMAX) or a `<`/`>` comparison
  uses a text column whose values are numbers, durations or dates written as text, and the
  text order differs from theirs ('10' sorts before '9'; '1:05:00' before '59:00'). The
  hint names the parse function (PARSE_NUMBER, PARSE_DURATION, PARSE_DATE with a format).
  Decided on the first `SAMPLE_ROWS` rows of the column (a head, not a pass over the table),
  with the parse functions themselves, so the hint's function reads those values.
- W305: `LIMIT n` (without WITH TIES) after a SORT keeps some rows of a tie on the sort keys
  and drops the others: "3 rows share points = 12; LIMIT 1 keeps 1". When the LIMIT is the
  plan's last step, the run itself collects one row more than it keeps, and only a tie there
  costs a query (none over a large table: the answer's rows then say "at least 2 rows").
  Another LIMIT runs the plan up to it once more, as a top-(n + `TIE_WINDOW`) query; only
  for tables in memory or files up to 64 MB (execute.RERUN_FILE_BYTES), so a large table is
  never read twice for a warning.

No false alarm by design: a text column of ISO dates sorts correctly as text, and a column of
numbers that all have as many digits sorts the same either way: neither warns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import polars as pl
from pesql.compiler.backends.polars.lower import expr_to_polars
from pesql.compiler.backends.polars.names import col, cols
from pesql.compiler.backends.polars.steps import lower_step, sort_keys_after
from pesql.compiler.check.check import CheckedPlan
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic
from pesql.grammar.ops import aggregate, operators, rows, text, window
from pesql.grammar.printer import quote_name, shown_value
from pesql.grammar.record import Record, record
from pesql.runtime.engine.batched import Queries
from pesql.runtime.engine.prefixes import Prefixes

SAMPLE_ROWS = 1000  # rows of a text column read to decide what its values are
PARSED_SHARE = 0.9  # share of sampled values a parse function must read
TIE_WINDOW = 100  # rows past a LIMIT read to count a tie
# A number as tables write it: sign, currency, thousands separators, percent, footnote mark.
_NUMBER = re.compile(r"\s*[-+\u2212\u2013]?[$€£¥]?\s*(\d[\d,.\s]*|\.\d+)\s*%?\s*(\[\w+\])?\s*")
_DATE_FORMATS = (None, "%d/%m/%Y", "%m/%d/%Y", "%B %d, %Y", "%d %B %Y", "%b %d, %Y", "%d %b %Y")


@record(kw_only=False)
class OrderUse(Record):
    column: str  # the input column
    what: str  # how the plan orders it: "SORT", "MAX", ...
    origin: A.Origin | None


def text_order_uses(checked: CheckedPlan) -> list[OrderUse]:
    """Where the plan orders an input text column (followed through renames and group keys)."""
    tracked = {n: n for n, t in checked.input_schema.items() if t.dtype == "string"}
    uses: list[OrderUse] = []
    for step in checked.plan.steps:
        match step:
            case rows.Sort(keys=keys):
                uses += [
                    OrderUse(tracked[k.column], "SORT", k.origin)
                    for k in keys
                    if k.column in tracked
                ]
            case rows.Filter(where=where):
                uses += _ordered_in(where, tracked)
            case rows.Window(order_by=keys, columns=assigns):
                uses += [
                    OrderUse(tracked[k.column], "WINDOW ORDER BY", k.origin)
                    for k in keys
                    if k.column in tracked
                ]
                uses += [u for a in assigns for u in _ordered_in(a.expr, tracked)]
                tracked = {n: c for n, c in tracked.items() if n not in {a.name for a in assigns}}
            case rows.Derive(columns=assigns):
                uses += [u for a in assigns for u in _ordered_in(a.expr, tracked)]
                tracked = {n: c for n, c in tracked.items() if n not in {a.name for a in assigns}}
            case rows.GroupBy(keys=keys, aggregates=assigns):
                uses += [u for a in assigns for u in _ordered_in(a.expr, tracked)]
                tracked = {k: tracked[k] for k in keys if k in tracked}
            case rows.AggregateStep(aggregates=assigns):
                uses += [u for a in assigns for u in _ordered_in(a.expr, tracked)]
                tracked = {}
            case rows.Select(columns=items):
                tracked = {
                    i.as_ or i.column: tracked[i.column] for i in items if i.column in tracked
                }
            case rows.Drop(columns=gone):
                tracked = {n: c for n, c in tracked.items() if n not in gone}
            case rows.Distinct(columns=kept) if kept:
                tracked = {n: c for n, c in tracked.items() if n in kept}
    return uses


def _ordered_in(expr: A.Expr, tracked: dict[str, str]) -> Iterator[OrderUse]:
    for node in expr.walk():
        match node:
            case (
                aggregate.Min(value=A.Col(name=name))
                | aggregate.Max(value=A.Col(name=name))
                | window.CumMin(value=A.Col(name=name))
                | window.CumMax(value=A.Col(name=name))
            ) if name in tracked:
                yield OrderUse(tracked[name], type(node).__name__.upper(), node.origin)
            case (
                operators.Lt(left=A.Col(name=name), right=A.Lit(value=str()))
                | operators.Le(left=A.Col(name=name), right=A.Lit(value=str()))
                | operators.Gt(left=A.Col(name=name), right=A.Lit(value=str()))
                | operators.Ge(left=A.Col(name=name), right=A.Lit(value=str()))
            ) if name in tracked:
                yield OrderUse(tracked[name], "a comparison", node.origin)


def text_order_warnings(
    checked: CheckedPlan, source: pl.LazyFrame, uses: list[OrderUse] | None = None
) -> Queries[Diagnostic]:
    """W304 for each ordering use of a text column whose values order otherwise (one sample
    query per column, all in one round). `uses`: `text_order_uses(checked)`, when the caller
    keeps it (a compiled plan does)."""
    uses = text_order_uses(checked) if uses is None else uses
    columns = list(dict.fromkeys(use.column for use in uses))
    if not columns:
        return []
    samples = yield [_sample(column, source) for column in columns]
    looks = {c: _looks_typed(c, values) for c, values in zip(columns, samples, strict=True)}
    out: list[Diagnostic] = []
    for use in uses:
        found = looks[use.column]
        if found is None:
            continue
        kind, parse, example = found
        out.append(
            Diagnostic.make(
                "W304",
                use.origin,
                found=use.what,
                name=use.column,
                kind=kind,
                severity="warning",
                hints=(f"as text {example}; use the value {parse} (DERIVE v = {parse}, then v)",),
            )
        )
    return out


def _sample(column: str, source: pl.LazyFrame) -> pl.LazyFrame:
    """The column's first distinct non-blank values, as text (`v`)."""
    return (
        source.select(col(column).alias("v"))
        .head(SAMPLE_ROWS)
        .drop_nulls()
        .filter(pl.col("v").str.strip_chars() != "")
        .unique(maintain_order=True)
    )


def _looks_typed(column: str, values: pl.DataFrame) -> tuple[str, str, str] | None:
    """(kind, parse call, example) when the sampled values are mostly one kind whose order is
    not the text order; None otherwise."""
    if values.height < 2:
        return None
    name, shown = A.Col(name="v"), quote_name(column)
    looks_numeric = sum(bool(_NUMBER.fullmatch(v)) for v in values["v"]) / values.height
    candidates: list[tuple[str, str, A.Expr]] = [
        (
            "date",
            f"PARSE_DATE({shown}" + (f", format => '{fmt}')" if fmt else ")"),
            text.ParseDate(value=name, format=fmt),
        )
        for fmt in _DATE_FORMATS
    ]
    candidates.append(("duration", f"PARSE_DURATION({shown})", text.ParseDuration(value=name)))
    if looks_numeric >= PARSED_SHARE:
        candidates.append(("number", f"PARSE_NUMBER({shown})", text.ParseNumber(value=name)))
    for kind, parse, node in candidates:
        parsed = values.with_columns(expr_to_polars(node).alias("p"))
        if parsed["p"].null_count() > (1 - PARSED_SHARE) * values.height:
            continue
        # The first kind that reads the values decides; it warns only if text order differs.
        ordered = parsed.drop_nulls("p").sort("v")
        later = ordered.with_columns(before=pl.col("p").shift(1), was=pl.col("v").shift(1))
        wrong = later.filter(pl.col("p") < pl.col("before")).head(1)
        if wrong.height == 0:
            return None
        a, b = wrong["was"][0], wrong["v"][0]
        return kind, parse, f"{shown_value(a)} sorts before {shown_value(b)}"
    return None


def tie_warnings(
    checked: CheckedPlan,
    prefixes: Prefixes,
    *,
    answer: pl.DataFrame | None = None,
    rerun: bool = True,
) -> Queries[Diagnostic]:
    """W305 for each LIMIT without WITH TIES whose last kept row ties with the next one (the
    sorted rows up to a few past each such LIMIT, all in one round).

    `answer`: the run's answer with one row more than the plan's last step, a LIMIT, keeps
    (`execute.CompiledPlan.tie_limit`). That LIMIT then costs no query when its last kept row
    and the next differ, the usual case; a tie is counted by a probe when `rerun`, else from
    the answer's own rows ("at least"). `rerun` False: the other LIMITs are not probed (the
    plan would run twice over a large table)."""
    steps = checked.plan.steps
    probes: list[tuple[rows.Limit, tuple[str, ...], pl.LazyFrame]] = []
    found: list[Diagnostic] = []
    for index, step, keys in cut_limits(steps):
        last = answer if index == len(steps) - 1 else None
        before = prefixes.before(index) if rerun else None
        if last is not None and not _ties_next(last.select(cols(keys)), step.count):
            continue  # the answer shows no tie at the cut: nothing to ask
        if before is not None:  # after a join: not measured
            # A LIMIT without ties lowers to one slice: the rows a few past its end.
            probe = rows.Limit(count=step.offset + step.count + TIE_WINDOW)
            probes.append((step, keys, lower_step(probe, before, ()).select(cols(keys))))
        elif last is not None:
            tie = _tie(last.select(cols(keys)), step, keys, start=0, window=1)
            if tie is not None:
                found.append(tie)
    if not probes:
        return found
    heads = yield [query for _, _, query in probes]
    out: list[Diagnostic] = []
    for (step, keys, _), head in zip(probes, heads, strict=True):
        tie = _tie(head, step, keys, start=step.offset, window=TIE_WINDOW)
        if tie is not None:
            out.append(tie)
    return out + found


def cut_limits(
    steps: Sequence[A.Step],
) -> Iterator[tuple[int, rows.Limit, tuple[str, ...]]]:
    """The LIMITs W305 looks at (without WITH TIES, keeping rows, after an order): each with
    its index and the sort keys its input is ordered by."""
    order: tuple[A.SortKey, ...] = ()
    for index, step in enumerate(steps):
        if isinstance(step, rows.Limit) and not step.with_ties and order and step.count > 0:
            yield index, step, tuple(k.column for k in order)
        order = sort_keys_after(step, order)


def _ties_next(head: pl.DataFrame, end: int) -> bool:
    """Whether row `end` of `head` (the first one cut) equals the last kept one."""
    return head.height > end and head.row(end - 1) == head.row(end)


def _tie(
    head: pl.DataFrame, step: rows.Limit, keys: tuple[str, ...], *, start: int, window: int
) -> Diagnostic | None:
    """W305 from `head`: the sorted rows on the keys, the LIMIT's first kept row at `start`,
    read up to `window` rows past its last."""
    end = start + step.count
    if head.height <= end:
        return None
    records = head.rows()
    last = records[end - 1]
    if records[end] != last:
        return None
    # The rows are sorted on the keys, so the tie is one run (OFFSET may skip part of it).
    tied = sum(1 for r in records if r == last)
    kept = sum(1 for r in records[start:end] if r == last)
    more = "at least " if records[-1] == last and head.height == end + window else ""
    shown = ", ".join(f"{k} = {shown_value(v)}" for k, v in zip(keys, last, strict=True))
    return Diagnostic.make(
        "W305",
        step.origin,
        found=f"LIMIT {step.count}",
        problem=f"{more}{tied} rows share {shown}; it keeps {kept}",
        severity="warning",
        hints=(
            f"keep every tied row with LIMIT {step.count} WITH TIES, or break the tie with "
            "another SORT key",
        ),
    )


__all__ = ["OrderUse", "cut_limits", "text_order_uses", "text_order_warnings", "tie_warnings"]
