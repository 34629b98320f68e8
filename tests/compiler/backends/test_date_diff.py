"""DATE_DIFF on two date columns: the simplest polars lowering, with DuckDB's answers.

DATE_DIFF counts unit boundaries crossed (DuckDB's date_diff after truncating both ends, the
SQL lowering). On Date operands 'day' is `(end - start).dt.total_days()` and year, quarter and
month read the calendar parts without a cast to datetime; these properties hold the shortcut
to the general lowering and to DuckDB on generated dates (leap days, year ends, nulls).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.backends.polars.text import date_diff
from pesql.compiler.check.check import check
from pesql.grammar.parse import parse

from tests.compiler.backends.test_differential import assert_same

UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")
DATES = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))


@st.composite
def date_tables(draw: st.DrawFn) -> pl.DataFrame:
    rows = draw(st.integers(1, 12))
    column = st.lists(st.none() | DATES, min_size=rows, max_size=rows)
    return pl.DataFrame({"a": draw(column), "b": draw(column)}, schema={"a": pl.Date, "b": pl.Date})


def _plan_text() -> str:
    items = [
        f"{u[:2]}_ab = DATE_DIFF('{u}', a, b), {u[:2]}_ba = DATE_DIFF('{u}', b, a)" for u in UNITS
    ]
    literal = "lit = DATE_DIFF('day', DATE '2024-02-29', b)"
    return "DERIVE " + ", ".join([*items, literal])


PLAN = parse(_plan_text())


@given(date_tables())
def test_date_diff_of_dates_matches_duckdb(frame: pl.DataFrame) -> None:
    assert_same(PLAN, frame)


@given(date_tables())
def test_the_shortcut_equals_the_general_lowering(frame: pl.DataFrame) -> None:
    checked = check(PLAN, schema_from_polars(frame.schema))
    got = to_polars(checked, frame.lazy()).collect()
    general = frame.select(
        *(
            date_diff(unit, pl.col(x), pl.col(y)).alias(f"{unit[:2]}_{x}{y}")
            for unit in UNITS
            for x, y in (("a", "b"), ("b", "a"))
        )
    )
    assert got.select(general.columns).equals(general)


def _lowered(source: str, frame: pl.DataFrame) -> str:
    checked = check(parse(source), schema_from_polars(frame.schema))
    return str(to_polars(checked, frame.lazy()).explain(optimized=False))


FRAME = pl.DataFrame(
    {
        "a": [dt.date(2023, 12, 31)],
        "b": [dt.date(2024, 1, 1)],
        "t": [dt.datetime(2024, 1, 1, 23, 59)],
    }
)


def test_days_between_dates_lower_to_a_subtraction() -> None:
    lowered = _lowered("DERIVE d = DATE_DIFF('day', a, b)", FRAME)
    assert "total_days" in lowered
    assert "truncate" not in lowered and "Datetime" not in lowered


@pytest.mark.parametrize(
    "source",
    [
        "DERIVE d = DATE_DIFF('day', a, t)",  # a datetime operand: truncation needed
        "DERIVE a = t, d = DATE_DIFF('day', a, b)",  # `a` is a datetime by then
        "DERIVE d = DATE_DIFF('week', a, b)",  # weeks start on Monday
    ],
)
def test_other_operands_keep_the_general_lowering(source: str) -> None:
    assert "truncate" in _lowered(source, FRAME)


def test_a_column_reassigned_in_the_step_is_read_with_its_new_type() -> None:
    plan = parse("DERIVE a = t, d = DATE_DIFF('day', a, b)")
    frame = FRAME.with_columns(t=pl.datetime(2023, 12, 31, 23, 59))
    assert_same(plan, frame)
    checked = check(plan, schema_from_polars(frame.schema))
    assert to_polars(checked, frame.lazy()).collect()["d"].to_list() == [1]
