"""Messy-table inference: one hand-checked row per rule, header naming, report, sampling."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.runtime.tables.clean.infer import clean_frame, clean_headers
from pesql.runtime.tables.table import load_table


def infer(values: list[str | None]) -> tuple[pl.Series, str]:
    frame, report = clean_frame(pl.DataFrame({"v": values}, schema={"v": pl.String}))
    return frame.collect()["v"], report.columns[0].rule


RULE_CASES: list[tuple[list[str | None], pl.DataType, list[Any], str]] = [
    (["12", "-3", "+4"], pl.Int64(), [12, -3, 4], "integer"),
    (["1.5", "-2", "3e2"], pl.Float64(), [1.5, -2.0, 300.0], "number"),
    (["1,234", "56", "1,234,567"], pl.Int64(), [1234, 56, 1234567], "separator ','"),
    (["1,234.5", "7"], pl.Float64(), [1234.5, 7.0], "number with thousands separator ','"),
    (["1 234", "12\u00a0345", "1\u2009000"], pl.Int64(), [1234, 12345, 1000], "separator ' '"),
    (["1'234", "5’000"], pl.Int64(), [1234, 5000], 'separator "\'"'),
    (["1.234,5", "2.000.000"], pl.Float64(), [1234.5, 2000000.0], "'.' and decimal comma"),
    (["3,5", "12,25"], pl.Float64(), [3.5, 12.25], "decimal comma"),
    # Past Int64 with separators, or with a point, it is an amount: a number (a float).
    (["12,345,678,901,234,567,890", "5"], pl.Float64(), [1.2345678901234567e19, 5.0], "','"),
    (["12345678901234567890.5"], pl.Float64(), [1.2345678901234567e19], "number"),
    (
        ["9223372036854775807", "-9223372036854775808"],
        pl.Int64(),
        [2**63 - 1, -(2**63)],
        "integer",
    ),
    (["12%", "5.5 %", "100%"], pl.Float64(), [12.0, 5.5, 100.0], "percent kept as the number"),
    (["$1,200", "$-5", "-$7"], pl.Int64(), [1200, -5, -7], "currency '$'"),
    (["€3.50", "£2", "¥1,000"], pl.Float64(), [3.5, 2.0, 1000.0], "currency"),
    (["USD 12", "40 EUR"], pl.Int64(), [12, 40], "currency 'USD', 'EUR'"),
    (["1,234[a]", "12*", "5†", "7 [note 2]"], pl.Int64(), [1234, 12, 5, 7], "footnote marks"),
    (["4", "-", "—", "–", "N/A", "n/a", "", "?"], pl.Int64(), [4] + [None] * 7, "integer"),
    (["−5", "6"], pl.Int64(), [-5, 6], "integer"),  # U+2212 minus sign
    (["yes", "No", "Y", "n"], pl.Boolean(), [True, False, True, False], "boolean"),
    (["true", "FALSE"], pl.Boolean(), [True, False], "boolean"),
    (
        ["2010-03-05", "1999-12-31"],
        pl.Date(),
        [dt.date(2010, 3, 5), dt.date(1999, 12, 31)],
        "ISO date",
    ),
    (
        ["March 5, 2010", "Dec 31, 1999"],
        pl.Date(),
        [dt.date(2010, 3, 5), dt.date(1999, 12, 31)],
        "'March 5, 2010'",
    ),
    (
        ["5 March 2010", "31 Dec 1999"],
        pl.Date(),
        [dt.date(2010, 3, 5), dt.date(1999, 12, 31)],
        "'5 March 2010'",
    ),
    (["2010/03/05"], pl.Date(), [dt.date(2010, 3, 5)], "y/m/d"),
    (
        ["03/25/2010", "12/01/2011"],
        pl.Date(),
        [dt.date(2010, 3, 25), dt.date(2011, 12, 1)],
        "m/d/y",
    ),
    (
        ["25/03/2010", "01/12/2011"],
        pl.Date(),
        [dt.date(2010, 3, 25), dt.date(2011, 12, 1)],
        "d/m/y",
    ),
    (["05.03.2010"], pl.Date(), [dt.date(2010, 3, 5)], "d.m.y"),
    (
        ["2010-03-05 14:30:15", "2010-03-05T08:00"],
        pl.Datetime("us"),
        [dt.datetime(2010, 3, 5, 14, 30, 15), dt.datetime(2010, 3, 5, 8, 0)],
        "datetime",
    ),
    (
        ["3:45", "1:02:03", "0:59.5"],
        pl.Duration("ms"),
        [
            dt.timedelta(minutes=3, seconds=45),
            dt.timedelta(hours=1, minutes=2, seconds=3),
            dt.timedelta(seconds=59.5),
        ],
        "duration",
    ),
]


@pytest.mark.parametrize(("values", "dtype", "expected", "rule"), RULE_CASES)
def test_rule(values: list[str | None], dtype: pl.DataType, expected: list[Any], rule: str) -> None:
    series, label = infer(values)
    assert series.dtype == dtype
    assert series.to_list() == expected
    assert rule in label


@pytest.mark.parametrize(
    "values",
    [
        ["12", "twelve"],  # one value is not a number
        ["007", "12"],  # leading zeros: an identifier
        # Digits past Int64: as floats two 20-digit IDs would keep only their first 16 digits.
        ["12345678901234567890", "12345678901234567891", "5"],
        ["March 2001", "5 March 2010"],  # two date shapes
        ["3:45", "14:75"],  # 75 is not a seconds field
        ["1,2,3", "4"],  # not a thousands grouping
    ],
)
def test_mixed_column_keeps_text(values: list[str]) -> None:
    series, label = infer(values)
    assert series.dtype == pl.String
    assert series.to_list() == values
    assert label.startswith("text")


def test_ambiguous_day_month_order_is_reported() -> None:
    frame, report = clean_frame(pl.DataFrame({"d": ["03/04/2010", "05/06/2011"]}))
    assert frame.collect()["d"].to_list() == [dt.date(2010, 3, 4), dt.date(2011, 5, 6)]
    assert any("ambiguous" in n and "d/m/y" in n for n in report.columns[0].notes)


def test_all_missing_column_stays_text() -> None:
    series, label = infer(["-", "n/a", None])
    assert series.dtype == pl.String
    assert label.startswith("text")


def test_typed_columns_pass_through() -> None:
    frame, report = clean_frame(pl.DataFrame({"n": [1, 2], "s": ["1", "2"]}))
    assert frame.collect_schema() == pl.Schema({"n": pl.Int64, "s": pl.Int64})
    assert report.columns[0].rule == "kept (typed source)"


HEADER_CASES = [
    (["a", "b"], ["a", "b"]),
    (["", "x", None], ["column_1", "x", "column_3"]),
    (["Year", "Year", "Year"], ["Year", "Year_1", "Year_2"]),  # DuckDB's numbering
    (["a", "a", "a_1"], ["a", "a_1", "a_1_1"]),  # as DuckDB: the generated name came first
    (["Votes", "votes"], ["Votes", "votes_1"]),  # case-insensitive, as DuckDB's names
    (["Peak\nAUS", "Peak\\nBEL\\n(Fl)"], ["Peak AUS", "Peak BEL (Fl)"]),
    (["\u200bTeam\ufeff", "\u00a0 Pop.\u2009 total  "], ["Team", "Pop. total"]),
    (["\u200b", " "], ["column_1", "column_2"]),
]


@pytest.mark.parametrize(("raw", "expected"), HEADER_CASES)
def test_clean_headers(raw: list[str | None], expected: list[str]) -> None:
    names, mapping = clean_headers(raw)
    assert names == expected
    assert all(mapping[r or ""] in names for r in raw if (r or "") in mapping)


def test_header_mapping_keeps_changed_names_only() -> None:
    assert clean_headers(["Year", "", "Year", "Peak\nAUS"])[1] == {
        "": "column_2",
        "Year": "Year_1",
        "Peak\nAUS": "Peak AUS",
    }


@given(
    st.lists(st.sampled_from(["a", "A", "a_1", "a_2", "b", "a_1_1", "B_1"]), min_size=1, max_size=8)
)
def test_property_duplicate_headers_are_named_as_duckdb_names_them(
    headers: list[str],
) -> None:
    """A SQL query ported from DuckDB names the same column: `read_csv`'s own renaming."""
    import duckdb

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "h.csv"
        path.write_text(",".join(headers) + "\n" + ",".join("1" for _ in headers) + "\n")
        relation = duckdb.read_csv(str(path), header=True, all_varchar=True)
        assert clean_headers(headers)[0] == relation.columns


def test_report_dict_and_text() -> None:
    _, report = clean_frame(pl.DataFrame({"Pop.\n(2010)": ["1,956", "2,310[a]", "—"]}))
    column = report.columns[0]
    assert (column.original, column.name, column.dtype) == ("Pop.\n(2010)", "Pop. (2010)", "Int64")
    assert column.rule == "integer with thousands separator ','; footnote marks removed"
    assert column.nulls_added == 1
    assert column.examples[0] == ("1,956", "1956")
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["renamed"] == {"Pop.\n(2010)": "Pop. (2010)"}
    text = report.to_text()
    assert "Pop. (2010)" in text and "Int64" in text and "'1,956' -> 1956" in text


def test_later_rows_that_do_not_fit_become_null(tmp_path: Path) -> None:
    """Inference sees the sample only; a later bad value is null, and the report says so."""
    frame, report = clean_frame(pl.LazyFrame({"n": ["1", "2", "3", "oops", "5"]}), sample_rows=3)
    assert frame.collect()["n"].to_list() == [1, 2, 3, None, 5]
    assert (report.sample_rows, report.complete) == (3, False)
    assert "first 3 rows" in report.to_text()


def test_load_clean_csv(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text('Name,"Sales\n($)",,Share\nA,"$1,200",x,12%\nB,—,y,5.5%\n', encoding="utf-8")
    table = load_table(path)
    frame = table.frame.collect()
    assert frame.columns == ["Name", "Sales ($)", "column_3", "Share"]
    assert frame["Sales ($)"].to_list() == [1200, None]
    assert frame["Share"].to_list() == [12.0, 5.5]


SEPARATORS = st.sampled_from([",", " ", "\u2009", "'", ""])
AFFIXES = st.sampled_from([("", ""), ("$", ""), ("€", ""), ("", " EUR"), ("", "%"), ("USD ", "")])


def group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


@given(
    st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=20),
    st.integers(0, 99),
    SEPARATORS,
    AFFIXES,
)
def test_property_numbers_recovered(
    numbers: list[int], cents: int, sep: str, affix: tuple[str, str]
) -> None:
    """Formatted with separators, currency or percent, every number comes back exactly."""
    prefix, suffix = affix
    texts = [
        ("-" if n < 0 else "") + prefix + group(abs(n), sep) + f".{cents:02d}" + suffix
        for n in numbers
    ]
    series, _ = infer(list(texts))
    expected = [(abs(n) + cents / 100) * (-1 if n < 0 else 1) for n in numbers]
    assert series.to_list() == pytest.approx(expected, rel=1e-12)


def test_text_columns_null_only_unmistakable_missing_markers() -> None:
    frame = pl.DataFrame({"sex": ["male", "NA", "female", " n/a ", "", "None", "-", "?"]})
    cleaned, report = clean_frame(frame)
    values = cleaned.collect()["sex"].to_list()
    assert values == ["male", None, "female", None, None, "None", "-", "?"]
    assert report.columns[0].nulls_added == 3
    assert "missing markers" in report.columns[0].rule
