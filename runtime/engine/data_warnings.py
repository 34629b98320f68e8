"""Data-aware warnings: plans that run and answer, but plausibly not what was meant.

A plan that type-checks and runs can still answer the wrong question, and a wrong answer that
raises nothing is never corrected: a model reads only the diagnostics it is sent. These
warnings look at the data, cheaply (one aggregate query over the source for the literals, or
over a file one query per literal that stops at its first match; and only for an empty answer
a count per FILTER prefix), and say what to do:

- W301: a text literal compared with `=`/`!=`/`IN` to a column of the table matches no row,
  while a normalized spelling does (case, accents, non-breaking spaces, extra whitespace):
  `'spain (esp)' matches no row of country; 14 rows hold 'Spain (ESP)'`. Without such a near
  value, a column of few distinct values gets them listed.
- W302: the answer is empty, and this FILTER is the step that removed the last row.

They are diagnostics with severity "warning", in `Result.notes`; the ask loop sends them back
to the model once (docs/ask.md). `Limits(data_warnings=False)` turns them off.

"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import polars as pl
from pesql.compiler.backends.polars.names import col, fresh
from pesql.compiler.check.check import CheckedPlan
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic
from pesql.grammar.ops import operators, rows
from pesql.grammar.printer import quote_string
from pesql.grammar.record import Record, record
from pesql.runtime.engine.batched import Queries
from pesql.runtime.engine.prefixes import Prefixes

LISTED_VALUES = 12  # a column with at most this many distinct values gets them listed


@record(kw_only=False)
class Probe(Record):
    column: str
    value: str
    origin: A.Origin | None


# Unicode White_Space, spelled out: Python's `str.split()` and the regex `\s` of polars
# (Rust) disagree on a few control characters, and both sides must fold alike.
_SPACE = "[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"


def normalized(text: str) -> str:
    """What two spellings of one value share: NFKD without accents, lower case, one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(_SPACE, " ", plain.lower()).strip(" ")


def _normalized_expr(column: str) -> pl.Expr:
    # The same folding in polars.
    return (
        col(column)
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.to_lowercase()
        .str.replace_all(_SPACE, " ")
        .str.strip_chars(" ")
    )


def literal_probes(checked: CheckedPlan) -> list[Probe]:
    """Text literals compared with unchanged text columns of the input, in FILTER steps."""
    text_columns = {n for n, t in checked.input_schema.items() if t.dtype == "string"}
    probes: list[Probe] = []
    for step in checked.plan.steps:
        match step:
            case rows.Filter(where=where):
                probes += _compared(where, text_columns)
            case rows.Derive(columns=assigns) | rows.Window(columns=assigns):
                text_columns -= {a.name for a in assigns}
            case rows.Drop() | rows.Sort() | rows.Limit() | rows.Distinct():
                pass
            case _:  # GROUP_BY, AGGREGATE, SELECT: later names are no longer the input's
                break
    return probes


def _compared(expr: A.Expr, columns: set[str]) -> Iterator[Probe]:
    for node in expr.walk():
        match node:
            case operators.Eq(left=A.Col(name=name), right=A.Lit(value=str() as value)) | (
                operators.Eq(left=A.Lit(value=str() as value), right=A.Col(name=name))
            ) if name in columns:
                yield Probe(name, value, node.origin)
            case operators.Ne(left=A.Col(name=name), right=A.Lit(value=str() as value)) if (
                name in columns
            ):
                yield Probe(name, value, node.origin)
            case operators.In(value=A.Col(name=name), options=options) if name in columns:
                for option in options:
                    if isinstance(option, A.Lit) and isinstance(option.value, str):
                        yield Probe(name, option.value, option.origin)


def literal_warnings(
    checked: CheckedPlan,
    source: pl.LazyFrame,
    *,
    scan: bool = False,
    frame: pl.DataFrame | None = None,
    probes: list[Probe] | None = None,
) -> Queries[Diagnostic]:
    """W301 for each probe that matches no row: a first round that finds the probes some row
    matches, then two queries per miss (its near spellings, and the column's values); run by
    batched.run_rounds.

    `scan`: `source` reads a file. Each probe is then a query of its own that stops at its
    first matching row, so a value the file holds (the usual case) costs the row groups up to
    it, not the whole column: Q12's two probes at TPC-H scale 1 take 6-7 ms instead of 17-18,
    and 21 MiB of peak memory instead of 26-35. A frame in memory gets one query for all
    probes (`any` per probe), which there is cheaper: 50 against 220 µs for one probe over 100
    rows, 241 against 400 for three.

    `frame`: `source` is this DataFrame. The first round is then computed on its columns at
    once, with no query: on a 100-row table ~7 µs per literal, against ~45 µs for the query
    alone and a query more in the answer's collect.

    `probes`: `distinct_probes(checked)`, when the caller keeps it (a compiled plan does)."""
    probes = distinct_probes(checked) if probes is None else probes
    if not probes:
        return []
    matched = _matched_in(frame, probes) if frame is not None else None
    if matched is None and scan:
        firsts = yield [
            # The column itself: a select of a literal alone has one row whatever the rows.
            source.filter(col(p.column) == pl.lit(p.value)).select(col(p.column)).head(1)
            for p in probes
        ]
        matched = [first.height > 0 for first in firsts]
    elif matched is None:
        [found] = yield [
            source.select(
                (col(p.column) == pl.lit(p.value)).any().alias(str(i)) for i, p in enumerate(probes)
            )
        ]
        matched = [bool(found[str(i)][0]) for i in range(len(probes))]
    misses = [p for p, hit in zip(probes, matched, strict=True) if not hit]
    if not misses:
        return []
    answers = yield [query for probe in misses for query in _miss_queries(probe, source)]
    return [_miss(p, answers[2 * i], answers[2 * i + 1]) for i, p in enumerate(misses)]


def distinct_probes(checked: CheckedPlan) -> list[Probe]:
    """`literal_probes`, the first occurrence of each (column, value), in plan order."""
    probes = list({(p.column, p.value): p for p in reversed(literal_probes(checked))}.values())
    probes.reverse()
    return probes


def _matched_in(frame: pl.DataFrame, probes: list[Probe]) -> list[bool] | None:
    """Whether some row of `frame` holds each probe's value (None: ask polars by a query,
    which then reports what failed here)."""
    try:
        return [bool(frame.get_column(p.column).eq(p.value).any()) for p in probes]
    except pl.exceptions.PolarsError:
        return None


def _miss_queries(probe: Probe, source: pl.LazyFrame) -> list[pl.LazyFrame]:
    """The near spellings of a value no row holds, and the column's first distinct values."""
    # The count's name must differ from the column's (a column may be called `n`); the
    # rows are read by position.
    count = fresh([probe.column], "n")
    near = (
        source.filter(_normalized_expr(probe.column) == normalized(probe.value))
        .group_by(col(probe.column))
        .agg(pl.len().alias(count))
        .sort(col(count), descending=True)
        .head(3)
    )
    distinct = source.select(col(probe.column).drop_nulls().unique().head(LISTED_VALUES + 1))
    return [near, distinct]


def _miss(probe: Probe, near: pl.DataFrame, values: pl.DataFrame) -> Diagnostic:
    hints: list[str]
    if near.height:
        spelled = ", ".join(f"{_quoted(v)} ({n} rows)" for v, n in near.rows())
        hints = [
            f"the table spells it {spelled}: write the value as the table does "
            "(\\u00a0 is a no-break space), or compare a normalized form (LOWER, TRIM)"
        ]
    else:
        distinct = values.to_series().to_list()
        if 0 < len(distinct) <= LISTED_VALUES:
            listed = ", ".join(_quoted(v) for v in sorted(distinct))
            hints = [f"`{probe.column}` holds only {listed}"]
        else:
            hints = ["check the spelling against the data (pesql schema shows samples)"]
    return Diagnostic.make(
        "W301",
        probe.origin,
        found=_quoted(probe.value),
        name=probe.column,
        severity="warning",
        hints=hints,
    )


def empty_result_warning(checked: CheckedPlan, prefixes: Prefixes) -> Queries[Diagnostic]:
    """W302 naming the FILTER that removed the last row (a count per FILTER prefix, all in
    one round)."""
    filters: list[tuple[int, rows.Filter, pl.LazyFrame]] = []
    for index, step in enumerate(checked.plan.steps):
        if not isinstance(step, rows.Filter):
            continue
        after = prefixes.before(index + 1)
        if after is None:
            break  # past a join: not measured
        filters.append((index, step, after))
    if not filters:
        return []
    counts = yield [after.select(pl.len()) for _, _, after in filters]
    for (index, step, _), counted in zip(filters, counts, strict=True):
        if counted.item() == 0:
            return [
                Diagnostic.make(
                    "W302",
                    step.origin,
                    found=f"step {index + 1}",
                    severity="warning",
                    hints=("loosen the condition, or check the values it compares with",),
                )
            ]
    return []


def _quoted(value: object) -> str:
    """A text value as p-SQL writes it, invisible characters spelled out (`\\u00a0`)."""
    text = quote_string(str(value))
    return "".join(
        f"\\u{ord(ch):04x}"
        if (unicodedata.category(ch) in ("Zs", "Cc", "Cf") and ch != " ")
        else ch
        for ch in text
    )


__all__ = [
    "Probe",
    "distinct_probes",
    "empty_result_warning",
    "literal_probes",
    "literal_warnings",
    "normalized",
]
