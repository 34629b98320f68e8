"""Every WikiTableQuestions table loads, gets stable unique names, and a few are checked by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from pesql.runtime.tables.clean.infer import clean_headers
from pesql.runtime.tables.table import Table, load_table

pytestmark = pytest.mark.corpora


def wtq(corpora: Path, name: str) -> Table:
    return load_table(corpora / "wtq" / "csv" / name)


def test_every_wtq_table_loads(corpora: Path) -> None:
    """All ~767 tables (about 20 s): no crash, names unique, visible and a fixed point."""
    files = sorted((corpora / "wtq" / "csv").glob("*/*.tsv"))
    assert len(files) > 700
    for path in files:
        table = load_table(path)
        frame = table.frame.collect()
        names = frame.columns
        assert len(set(names)) == len(names), path
        assert all(n and n == n.strip() and "\n" not in n for n in names), path
        assert clean_headers(names)[0] == names, path  # cleaning twice changes nothing
        assert table.report is not None
        assert [c.name for c in table.report.columns] == names
        assert [c.dtype for c in table.report.columns] == [str(t) for t in frame.dtypes]


def test_population_table(corpora: Path) -> None:
    """201-csv/13: Wisconsin cities; populations written as 1,956."""
    table = wtq(corpora, "201-csv/13.tsv")
    frame = table.frame.collect()
    assert frame.schema["City"] == pl.String
    assert frame.schema["Population (2000 Census)"] == pl.Int64
    assert frame["Population (2000 Census)"].head(3).to_list() == [1956, 1831, 3357]
    assert frame["Incorporation date"].head(3).to_list() == [1965, 1926, 1879]
    assert table.report is not None
    column = table.report.columns[2]
    assert column.original == "Population\n(2000 Census)"  # the TSV escape decoded
    assert column.rule == "integer with thousands separator ','"


def test_chart_table_dashes_are_missing(corpora: Path) -> None:
    """201-csv/0: chart positions with "—" for "did not chart"; titles keep their quotes."""
    frame = wtq(corpora, "201-csv/0.tsv").frame.collect()
    aus = frame["Peak chart positions AUS"]
    assert aus.dtype == pl.Int64
    assert aus.head(3).to_list() == [11, 76, None]
    assert frame["Single"][0] == '"Around the World (La La La La La)"'


def test_empty_header_and_mixed_dates(corpora: Path) -> None:
    frame = wtq(corpora, "201-csv/26.tsv").frame.collect()
    assert frame.columns[0] == "column_1"
    assert frame["column_1"].head(3).to_list() == [1, 2, 3]
    # "15 July 2003" beside "July 2001" and "1989": mixed, so the text is kept.
    since = wtq(corpora, "201-csv/35.tsv").frame.collect()["Ambassador since"]
    assert since.dtype == pl.String and since[0] == "15 July 2003"


def test_dates_durations_and_space_thousands(corpora: Path) -> None:
    opened = wtq(corpora, "202-csv/168.tsv").frame.collect()["Date Opened"]
    assert opened.dtype == pl.Date and opened[0] == dt.date(1995, 8, 12)
    rally = wtq(corpora, "203-csv/236.tsv").frame.collect()
    assert rally.columns[2] == "Time" and rally.columns[6] == "Time_1"  # DuckDB numbering
    assert rally["Time_1"][0] == dt.timedelta(minutes=16, seconds=14, milliseconds=100)
    births = wtq(corpora, "202-csv/154.tsv").frame.collect()["Live births per year"]
    assert births.head(3).to_list() == [9000, 10000, 12000]
