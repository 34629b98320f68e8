"""Messy-table inference: stable header names and typed columns from text, as polars expressions.

A text column is converted only when *every* non-missing value of the sample converts under one
rule (but for a few number-like cells that contradict the majority's number convention: null and
reported); otherwise it keeps its original text. Rules are tried in a fixed order (boolean,
numbers, durations, dates, datetimes) and the first that fits wins. The chosen rule is applied
lazily with non-strict casts, so a later value (beyond the sample) that does not fit becomes
null. Rows that look like section headers or footnotes do not take part in inference; they and
totals are reported as summary rows (summary.py).

    >>> frame, report = clean_frame(pl.DataFrame({"Pop.\\n(2010)": ["1,956", "2,310[a]", "—"]}))
    >>> frame.collect().to_series().to_list()
    [1956, 2310, None]
    >>> report.columns[0].rule
    "integer with thousands separator ','; footnote marks removed"
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import polars as pl
from pesql.compiler.backends.polars.names import col
from pesql.runtime.tables.clean.report import CleanReport, ColumnReport, column_reports
from pesql.runtime.tables.clean.rules import (
    MISSING_TOKENS,
    RULES,
    TEXT_MISSING_TOKENS,
    Rule,
    choose_rules,
    normalize,
    text_missing,
)
from pesql.runtime.tables.clean.summary import (
    FLAG_COLUMN,
    SUMMARY_MODES,
    TOTAL,
    SummaryMode,
    label,
    summary_kind,
    summary_rows,
)

__all__ = [
    "MISSING_TOKENS",
    "RULES",
    "TEXT_MISSING_TOKENS",
    "CleanReport",
    "ColumnReport",
    "Rule",
    "clean_frame",
    "clean_headers",
    "normalize",
    "unique_names",
]


def _clean_header(raw: str | None) -> str:
    # WTQ-style TSV writes a line break inside a header as the two characters `\n`.
    text = (raw or "").replace("\\n", "\n")
    # Format characters (zero-width space, BOM, soft hyphen, ...) are invisible: drop them.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    # str.split() splits on every Unicode space (newline, tab, NBSP, thin space) and collapses runs.
    return " ".join(text.split())


def clean_headers(names: Sequence[str | None]) -> tuple[list[str], dict[str, str]]:
    """Stable, unique, visible names; returns (names, {original: new} for every changed header).

    >>> clean_headers(["Year", "", "Year", "Peak\\nAUS"])
    (['Year', 'column_2', 'Year_1', 'Peak AUS'],
     {'': 'column_2', 'Year': 'Year_1', 'Peak\\nAUS': 'Peak AUS'})

    Duplicates are numbered as DuckDB's `read_csv` numbers them (`Votes`, `Votes_1`, `Votes_2`),
    so a query ported from DuckDB names the same column: `unique_names`. A duplicate keeps its
    text in the mapping's key only once (the first changed occurrence); `CleanReport.columns`
    keeps the exact positional pairs.
    """
    base = [_clean_header(raw) or f"column_{i}" for i, raw in enumerate(names, start=1)]
    out = unique_names(base)
    mapping: dict[str, str] = {}
    for raw, new in zip(names, out, strict=True):
        if (raw or "") != new:
            mapping.setdefault(raw or "", new)
    return out, mapping


def unique_names(names: Sequence[str]) -> list[str]:
    """DuckDB's renaming of duplicate CSV headers, case-insensitive as DuckDB's names are.

    The k-th repeat of a name gets `_k`; a generated name already taken is renamed the same way
    in turn (DuckDB 2.0 `read_csv`, compared by a property test):
    `x, x, x_1, x` -> `x, x_1, x_1_1, x_2`.

    >>> unique_names(["Votes", "Votes", "votes", "a", "a_1", "a"])
    ['Votes', 'Votes_1', 'votes_2', 'a', 'a_1', 'a_1_1']
    """
    requested: dict[str, int] = {}  # lower-case name -> times asked for
    taken: set[str] = set()
    out: list[str] = []
    for name in names:
        final = name
        while final.casefold() in taken:
            key = final.casefold()
            final = f"{final}_{requested[key]}"
            requested[key] += 1
        requested[final.casefold()] = requested.get(final.casefold(), 0) + 1
        taken.add(final.casefold())
        out.append(final)
    return out


def clean_frame(
    frame: pl.LazyFrame | pl.DataFrame,
    *,
    sample_rows: int = 10_000,
    headers: Sequence[str | None] | None = None,
    summary: SummaryMode = "keep",
) -> tuple[pl.LazyFrame, CleanReport]:
    """Rename headers and type text columns, inferring from the first `sample_rows` rows.

    `headers` are the raw header texts by position when a reader already altered them (polars
    renames duplicates and reads an empty header as ""); by default the frame's own names.
    Summary and section rows (summary.py) are found in the sample and reported; `summary`
    keeps them (the default), drops them from every row of the table, or flags them in a
    boolean column `summary_row`.
    """
    if summary not in SUMMARY_MODES:
        raise ValueError(f"summary_rows must be one of {SUMMARY_MODES}, not {summary!r}")
    lazy = frame.lazy()
    current = lazy.collect_schema().names()
    raw = list(headers) if headers is not None else list(current)
    names, _ = clean_headers(raw)
    lazy = lazy.rename(dict(zip(current, names, strict=True)))
    sample = lazy.head(sample_rows).collect()
    complete = sample.height < sample_rows or (
        isinstance(frame, pl.DataFrame) and frame.height <= sample_rows
    )
    text = [n for n, dtype in sample.schema.items() if dtype == pl.String]
    # Section headers and footnotes hold no data: their text must not keep a number column
    # as text (a spanned "Group B" in every column), so inference runs without them. A total
    # row's numbers are data-shaped and stay in, but not its label: `Total` in a Rank column
    # of 1, 2, 3 would keep that column as text. (A first look, before columns are typed.)
    # An empty sample is an empty table: no row can be a summary row, and the expressions, as
    # wide as the table, are not worth planning (a header of 190 columns spent 0.47 s there).
    looked_at = text if sample.height else []
    spans = sample.select(summary_kind(looked_at, len(names)).alias("kind"))["kind"]
    not_data = spans.is_in(["section", "footnote"]).fill_null(False)
    is_total = pl.lit(spans == "total")
    unlabelled = sample.select(
        pl.when(is_total & label(n).str.contains(TOTAL)).then(None).otherwise(col(n)).alias(n)
        if n in text
        else col(n)
        for n in names
    )
    chosen = choose_rules(unlabelled.filter(~not_data), text)
    exprs = [
        chosen[n].apply(normalize(col(n))).alias(n)
        if n in chosen and chosen[n].family != "text"
        else text_missing(col(n)).alias(n)
        if n in text
        else col(n)
        for n in names
    ]
    converted = sample.select(exprs)
    skip = frozenset((not_data | (spans == "total").fill_null(False)).arg_true().to_list())
    columns = [
        (original or "", n, chosen.get(n), n in text)
        for original, n in zip(raw, names, strict=True)
    ]
    reports = column_reports(sample, converted, columns, skip)
    typed = [n for n in text if n in chosen and chosen[n].family != "text"]
    numeric = [n for n in typed if chosen[n].family == "number"]
    # One expression (of the table's width) for the rows found and for the drop or the flag.
    kind = summary_kind(looked_at, len(names), typed)
    kinds = sample.select(kind.alias("kind"))["kind"]
    found = summary_rows(sample, numeric, text, typed, kinds=kinds)
    is_summary = kind.is_not_null()
    if summary == "drop":
        lazy = lazy.filter(~is_summary)
    elif summary == "flag":
        flag = unique_names([*names, FLAG_COLUMN])[-1]
        lazy = lazy.with_columns(is_summary.alias(flag))
        exprs.append(col(flag))
    report = CleanReport(reports, sample.height, complete, found, summary)
    return lazy.select(exprs), report
