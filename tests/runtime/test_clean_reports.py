"""The columns' reports of table cleaning, counted in one query (report.column_reports), say
what the per-column queries they replaced said: that reference is kept here as the oracle.
"""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from pesql.compiler.backends.polars.names import col
from pesql.compiler.backends.polars.numbers import CURRENCY, FOOTNOTE, TRIM
from pesql.runtime.tables.clean.report import ColumnReport, column_reports
from pesql.runtime.tables.clean.rules import Rule, choose_rules, normalize, text_missing

CELLS = st.sampled_from(
    ["1", "2,5", "1,234", "1.234,5", "$3", "4 €", "12%", "7[1]", "8*", "-", "N/A", "", "x",
     "Total", "2010-03-05", "03/05/2010", "yes", "no", "1:02", "007", "3.5", " 9 ", "£10"]
)  # fmt: skip


def reference(
    sample: pl.DataFrame,
    converted: pl.DataFrame,
    original: str,
    name: str,
    rule: Rule | None,
    is_text: bool,
    skip: frozenset[int],
) -> ColumnReport:
    """The per-column report as it was computed before the one-query version (stop 35)."""
    before, after = sample[name].rename("value"), converted[name].rename("value")
    rows = before.is_not_null().arg_true().head(3).to_list()
    label = "text (values of mixed kinds; kept as written)" if is_text else "kept (typed source)"
    if rule is not None and rule.family == "text":
        label = rule.label
    if is_text and (rule is None or rule.family == "text"):
        if int((before.is_not_null() & after.is_null()).sum()):
            label += "; missing markers (NA, N/A, null, empty) -> null"
    elif rule is not None:
        value = col(name).str.strip_chars(TRIM)
        found = sample.select(
            value.str.contains(FOOTNOTE).any().alias("footnotes"),
            value.str.contains(r"%$").any().alias("percent"),
            pl.coalesce(
                value.str.extract(rf"^[+-]?\s*({CURRENCY})", 1),
                value.str.extract(rf"({CURRENCY})$", 1),
            )
            .drop_nulls()
            .unique(maintain_order=True)
            .implode()
            .alias("currency"),
        ).row(0, named=True)
        label = rule.label
        if found["percent"]:
            label += "; percent kept as the number shown (12% -> 12.0)"
        if rule.family == "number" and found["currency"]:
            label += "; currency " + ", ".join(repr(c) for c in found["currency"])
        if found["footnotes"]:
            label += "; footnote marks removed"
    contradictions: tuple[tuple[int, str], ...] = ()
    if rule is not None and rule.family == "number":
        lost = normalize(pl.col("value")).is_not_null() & after.is_null()
        rows_lost = pl.DataFrame({"value": before}).select(lost.arg_true()).to_series()
        contradictions = tuple(
            (int(r) + 1, str(before[int(r)])) for r in rows_lost if int(r) not in skip
        )
    return ColumnReport(
        original=original,
        name=name,
        dtype=str(after.dtype),
        rule=label,
        nulls_added=int((before.is_not_null() & after.is_null()).sum()),
        examples=tuple((str(before[i]), str(after[i])) for i in rows),
        notes=() if rule is None else rule.notes,
        contradictions=contradictions,
    )


@st.composite
def samples(draw: st.DrawFn) -> pl.DataFrame:
    rows = draw(st.integers(0, 8))
    width = draw(st.integers(1, 4))
    # Each column mostly of one kind of cell, so that rules are chosen, with a few strays.
    columns = {}
    for i in range(width):
        main = draw(CELLS)
        cells = draw(st.lists(st.one_of(st.just(main), CELLS, st.none()), min_size=rows,
                              max_size=rows))  # fmt: skip
        columns[draw(st.sampled_from([f"c{i}", f"^c{i}$", "*" * (i + 1)]))] = cells
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    return frame.with_columns(n=pl.int_range(pl.len()))  # a typed column passes through


@settings(max_examples=80)
@given(samples(), st.sets(st.integers(0, 7)))
def test_one_query_reports_what_the_per_column_queries_reported(
    sample: pl.DataFrame, skip: set[int]
) -> None:
    text = [n for n, dtype in sample.schema.items() if dtype == pl.String]
    chosen = choose_rules(sample, text)
    converted = sample.select(
        chosen[n].apply(normalize(col(n))).alias(n)
        if n in chosen and chosen[n].family != "text"
        else text_missing(col(n)).alias(n)
        if n in text
        else col(n)
        for n in sample.columns
    )
    columns = [(f"raw {n}", n, chosen.get(n), n in text) for n in sample.columns]
    got = column_reports(sample, converted, columns, frozenset(skip))
    expected = tuple(reference(sample, converted, *c, frozenset(skip)) for c in columns)
    assert got == expected


def test_contradictions_and_skipped_rows_as_the_per_column_queries_said() -> None:
    # One typo must not flip a column's convention (rules._majority): 1,1024 contradicts it.
    sample = pl.DataFrame({"votes": ["16,416", "9,875", "3197", "703", "1,1024", "2,001"]})
    chosen = choose_rules(sample, ["votes"])
    converted = sample.select(chosen["votes"].apply(normalize(col("votes"))).alias("votes"))
    columns = [("Votes", "votes", chosen["votes"], True)]
    for skip in (frozenset(), frozenset({4}), frozenset({4, 5})):
        got = column_reports(sample, converted, columns, skip)
        assert got == (reference(sample, converted, *columns[0], skip),)
    assert got[0].contradictions == () and column_reports(sample, converted, columns)[
        0
    ].contradictions[0] == (5, "1,1024")
