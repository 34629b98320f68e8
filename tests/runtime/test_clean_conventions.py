"""Number conventions of messy-table inference: a few odd cells never flip a column's magnitude,
and the loader reads numbers exactly as PARSE_NUMBER does (one implementation)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.backends.polars.numbers import parse_number
from pesql.runtime.tables.clean.infer import clean_frame


def load(values: list[str | None]) -> tuple[list[object], object]:
    frame, report = clean_frame(pl.DataFrame({"v": values}, schema={"v": pl.String}))
    return frame.collect()["v"].to_list(), report.columns[0]


def test_one_typo_does_not_flip_thousands_comma() -> None:
    """The issue's column: `1,1024` alone used to make every cell a decimal-comma number."""
    values, column = load(["16,416", "9,875", "3197", "703", "1,1024"])
    assert values == [16416, 9875, 3197, 703, None]
    assert column.rule == "integer with thousands separator ','"  # type: ignore[attr-defined]
    assert column.contradictions == ((5, "1,1024"),)  # type: ignore[attr-defined]
    assert "contradict" in column.notes[0]  # type: ignore[attr-defined]
    assert (
        "row 5 '1,1024'"
        in clean_frame(pl.DataFrame({"v": ["16,416", "9,875", "3197", "703", "1,1024"]}))[
            1
        ].to_text()
    )


def test_genuine_decimal_comma_column_is_kept() -> None:
    """Decimal commas in most cells: `1,234` there is 1.234, as before."""
    values, column = load(["3,5", "12,25", "1,234", "7,1"])
    assert values == [3.5, 12.25, 1.234, 7.1]
    assert column.contradictions == ()  # type: ignore[attr-defined]


def test_a_word_among_numbers_still_keeps_the_column_as_text() -> None:
    values, column = load(["16,416", "9,875", "3197", "703", "many"])
    assert values == ["16,416", "9,875", "3197", "703", "many"]
    assert column.dtype == "String"  # type: ignore[attr-defined]


def test_too_many_odd_cells_keep_the_fitting_rule() -> None:
    """Two of five cells disagree with thousands: no majority, the fitting rule stays."""
    values, _ = load(["16,416", "9,875", "1,1024", "2,25", "703"])
    assert values == pytest.approx([16.416, 9.875, 1.1024, 2.25, 703.0])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([".449", ".5", "-.25"], [0.449, 0.5, -0.25]),  # no leading digit
        (["00.4", "01.6", "2.5"], [0.4, 1.6, 2.5]),  # leading zeros on a decimal: numbers
        (["007", "012", "3"], ["007", "012", "3"]),  # integer-looking codes stay text
        (["n/d", "12", "n.d."], [None, 12, None]),  # "no data" markers
        (["——", "5", "---", "–"], [None, 5, None, None]),  # dashes of any length
        (["–5", "3", "–.5"], [-5.0, 3.0, -0.5]),  # an en dash before a digit is a minus
        (["1867 – 1869", "12"], ["1867 – 1869", "12"]),  # a range stays text
    ],
)
def test_number_text_rules(values: list[str], expected: list[object]) -> None:
    assert load(list(values))[0] == expected


@pytest.mark.parametrize(
    "text",
    ["1,234.5", ".449", "–.449", "−3", "$12", "45%", "12[3]", "1 000", "5’000", "abc", "1.2.3"],
)
def test_loader_reads_what_parse_number_reads(text: str) -> None:
    """One implementation: a column of one value loads to PARSE_NUMBER's reading of it."""
    by_parse = pl.select(parse_number(pl.lit(text))).item()
    loaded, _ = load([text, text])
    if by_parse is None:
        assert loaded == [text, text]
    else:
        assert loaded[0] == pytest.approx(by_parse)


@dataclass(frozen=True)
class Convention:
    group: str  # thousands separator, "" for none
    decimal: str  # "." or ","
    odd: str  # a cell that contradicts the convention (a misplaced separator)


CONVENTIONS = [
    Convention(",", ".", "1,1024"),
    Convention(".", ",", "1.1024"),
    Convention(" ", ".", "1 1024"),
    Convention("\u00a0", ",", "1\u00a01024"),
    Convention("'", ".", "1'1024"),
    Convention("", ",", "1,2,3"),
    Convention("", ".", "1.2.3"),
]


def spell(number: int, cents: int, convention: Convention) -> str:
    """A distinctive spelling: grouped (when the convention groups) and with a decimal part."""
    whole = f"{abs(number):,}".replace(",", convention.group)
    return ("-" if number < 0 else "") + whole + convention.decimal + f"{cents:02d}"


@given(
    st.sampled_from(CONVENTIONS),
    st.lists(
        st.tuples(
            st.integers(-(10**9), 10**9).filter(lambda n: abs(n) >= 1000), st.integers(1, 99)
        ),
        min_size=4,
        max_size=16,
    ),
    st.data(),
)
def test_property_odd_cells_never_change_a_magnitude(
    convention: Convention, numbers: list[tuple[int, int]], data: st.DataObject
) -> None:
    """Any convention, a few odd cells anywhere: every clean cell loads to the number it spells,
    and every odd cell is null and reported with its row and text."""
    cells = [spell(n, c, convention) for n, c in numbers]
    odd_count = data.draw(st.integers(1, max(1, len(cells) // 4)))
    for _ in range(odd_count):
        cells.insert(data.draw(st.integers(0, len(cells))), convention.odd)
    values, column = load(list(cells))
    odd_rows = tuple(i + 1 for i, c in enumerate(cells) if c == convention.odd)
    assert tuple(r for r, _ in column.contradictions) == odd_rows  # type: ignore[attr-defined]
    clean = iter(numbers)
    for cell, value in zip(cells, values, strict=True):
        if cell == convention.odd:
            assert value is None
        else:
            n, c = next(clean)
            assert value == pytest.approx((abs(n) + c / 100) * (-1 if n < 0 else 1), rel=1e-12)


def test_parse_number_sql_lowering_agrees_on_the_new_spellings() -> None:
    """The DuckDB lowering repeats numbers.parse_number step for step (en dash, `.449`)."""
    import duckdb
    from pesql.compiler.backends.sql.parse import parse_number as sql_parse_number
    from sqlglot import exp

    texts = ["–5", "–.5", ".449", "-.25", "1867 – 1869", "(7)", "1,234.5", "–", "x–1"]
    frame = pl.DataFrame({"v": texts})
    expected = frame.select(parse_number(pl.col("v"))).to_series().to_list()
    assert expected == [-5.0, -0.5, 0.449, -0.25, None, -7.0, 1234.5, None, None]
    sql = sql_parse_number(exp.column("v")).sql("duckdb")
    got = [row[0] for row in duckdb.sql(f"SELECT {sql} FROM frame").fetchall()]
    assert got == expected


# Cells of every rule family, repeated (a pool drawn from with repetition), odd cells and gaps.
_POOL_CELLS = st.one_of(
    st.builds(spell, st.integers(-(10**6), 10**6), st.integers(0, 99),
              st.sampled_from(CONVENTIONS)),
    st.sampled_from(["1,1024", "1.2.3", "007", "012", "3", "yes", "no", "2:05", "1:02:03",
                     "2024-01-31", "31/01/2024", "Jan 5, 2024", "2010-03-05 14:30", "Total",
                     "many", "", "  ", "n/a", "-", "12%", "$1,250"]),
    st.integers(-5000, 5000).map(str),
)  # fmt: skip


@given(st.lists(st.lists(_POOL_CELLS, min_size=1, max_size=6), min_size=1, max_size=3),
       st.data())  # fmt: skip
def test_counting_by_distinct_text_chooses_as_counting_every_cell(
    pools: list[list[str]], data: st.DataObject
) -> None:
    """Large samples are counted once per distinct (column, text), weighted by its count
    (rules._DISTINCT_FROM_ROWS); that must choose the rules, notes and contradictions that
    counting every cell does."""
    from pesql.runtime.tables.clean import rules

    height = data.draw(st.integers(1, 40))
    columns = {
        f"c{i}": [data.draw(st.sampled_from([*pool, None])) for _ in range(height)]
        for i, pool in enumerate(pools)
    }
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    outcomes = []
    for threshold in (10**9, 0):  # every cell; then distinct texts, whatever the size
        saved = rules._DISTINCT_FROM_ROWS
        rules._DISTINCT_FROM_ROWS = threshold
        try:
            lazy, report = clean_frame(frame)
            outcomes.append((lazy.collect().to_dicts(), report.to_text()))
        finally:
            rules._DISTINCT_FROM_ROWS = saved
    assert outcomes[0] == outcomes[1]
