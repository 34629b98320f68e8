"""Order warnings (runtime/engine/order_warnings.py): W304 text ordered as text while it holds
numbers, durations or dates; W305 a LIMIT that cuts through a tie (issue 15)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.check.schema import Schema
from pesql.runtime.engine import execute as execute_module
from pesql.runtime.engine.execute import RERUN_FILE_BYTES, compile, execute
from pesql.runtime.engine.limits import Limits
from pesql.runtime.engine.order_warnings import SAMPLE_ROWS, TIE_WINDOW
from pesql.runtime.tables.table import load_table

TABLE = pl.DataFrame(
    {
        "rank": ["1", "2", "10", "9"],
        "pop": ["16,416", "9,875", "3,197", "703"],
        "time": ["59:00", "1:05:00", "58:10", "1:00:01"],
        "day": ["5 January 2020", "12 March 2019", "1 February 2021", "3 May 2018"],
        "iso": ["2020-01-05", "2019-03-12", "2021-02-01", "2018-05-03"],
        "code": ["07", "08", "09", "10"],
        "name": ["b", "a", "c", "d"],
        "points": [3, 5, 5, 5],
    }
)


def warned(plan: str, frame: pl.DataFrame = TABLE) -> list[str]:
    return [n.code for n in execute(plan, frame).notes if n.severity == "warning"]


@pytest.mark.parametrize(
    ("plan", "parse"),
    [
        ("SORT rank DESC", "PARSE_NUMBER(rank)"),
        ("SORT pop DESC\nLIMIT 1", "PARSE_NUMBER(pop)"),
        ("AGGREGATE fastest = MIN(time)", "PARSE_DURATION(time)"),
        ("SORT day", "PARSE_DATE(day, format => '%d %B %Y')"),
        ("GROUP_BY rank COMPUTE n = COUNT(*)\nSORT rank", "PARSE_NUMBER(rank)"),
        ("SELECT rank AS r\nSORT r", "PARSE_NUMBER(rank)"),
        ("FILTER rank > '5'", "PARSE_NUMBER(rank)"),
        ("WINDOW best = CUMMAX(rank)", "PARSE_NUMBER(rank)"),
        ("WINDOW r = ROW_NUMBER() ORDER BY time", "PARSE_DURATION(time)"),
    ],
)
def test_text_ordered_as_text_names_the_parse_function(plan: str, parse: str) -> None:
    notes = [n for n in execute(plan, TABLE).notes if n.code == "W304"]
    assert len(notes) == 1
    assert parse in notes[0].hints[0]


@pytest.mark.parametrize(
    "plan",
    [
        "SORT iso",  # ISO dates: the text order is the date order
        "SORT code",  # numbers of equal width sort alike either way
        "SORT name",
        "AGGREGATE m = MAX(name)",
        "DERIVE r = PARSE_NUMBER(rank)\nSORT r",
        "DERIVE rank = PARSE_NUMBER(rank)\nSORT rank",  # the name now holds numbers
        "FILTER rank = '10'",  # equality does not order
    ],
)
def test_no_w304_where_the_order_is_right(plan: str) -> None:
    assert "W304" not in warned(plan)


def test_w304_hint_quotes_an_odd_column_name() -> None:
    frame = pl.DataFrame({"No. in season": ["1", "2", "10"]})
    (note,) = execute("SORT `No. in season`", frame).notes
    assert "PARSE_NUMBER(`No. in season`)" in note.hints[0]


def test_w304_reads_a_bounded_head_of_the_column() -> None:
    # Past SAMPLE_ROWS the column's values are not read: a text column whose first rows are
    # names is not called numeric because of what follows.
    frame = pl.DataFrame({"v": ["x"] * SAMPLE_ROWS + ["10", "9"] * 50})
    assert warned("SORT v", frame) == []


@given(st.lists(st.integers(0, 10_000), min_size=2, max_size=30, unique=True))
def test_w304_fires_exactly_when_text_order_is_not_number_order(values: list[int]) -> None:
    frame = pl.DataFrame({"v": [str(v) for v in values]})
    text_order = sorted(values, key=str)
    assert ("W304" in warned("SORT v", frame)) == (text_order != sorted(values))


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            "SORT points DESC\nLIMIT 1",
            "LIMIT 1 cuts through a tie: 3 rows share points = 5; it keeps 1",
        ),
        (
            "SORT points DESC\nLIMIT 2",
            "LIMIT 2 cuts through a tie: 3 rows share points = 5; it keeps 2",
        ),
        (
            "SORT points DESC\nSELECT name, points AS p\nLIMIT 1",
            "LIMIT 1 cuts through a tie: 3 rows share p = 5; it keeps 1",
        ),
    ],
)
def test_a_limit_that_cuts_a_tie_says_how_many_tie(plan: str, message: str) -> None:
    (note,) = [n for n in execute(plan, TABLE).notes if n.code == "W305"]
    assert note.message == message
    assert "WITH TIES" in note.hints[0]


@pytest.mark.parametrize(
    "plan",
    [
        "SORT points DESC\nLIMIT 1 WITH TIES",
        "SORT points DESC\nLIMIT 3",  # all three tied rows kept
        "SORT points DESC, name\nLIMIT 1",  # the second key breaks the tie
        "SORT points\nLIMIT 1",  # 3 is alone
        "LIMIT 1",  # no order: no tie to speak of
        "SORT points DESC\nGROUP_BY name COMPUTE n = COUNT(*)\nLIMIT 1",  # order forgotten
    ],
)
def test_no_w305_without_a_cut_tie(plan: str) -> None:
    assert "W305" not in warned(plan)


def test_w305_counts_at_most_a_window_past_the_limit() -> None:
    frame = pl.DataFrame({"x": [1] * (TIE_WINDOW + 50)})
    (note,) = [n for n in execute("SORT x\nLIMIT 1", frame).notes if n.code == "W305"]
    assert f"at least {TIE_WINDOW + 1} rows share x = 1; it keeps 1" in note.message


def test_w305_reruns_no_plan_over_a_table_read_lazily(tmp_path: Path) -> None:
    # A LazyFrame may be a large scan, and so may a file past RERUN_FILE_BYTES: the plan is
    # not run a second time for a warning. A LIMIT that ends the plan is read from the answer
    # (one row more than it keeps), which shows the tie but not its size; a LIMIT before other
    # steps would need a rerun, so it gets no W305 there. Frames in memory and small files do.
    last, inner = "SORT points DESC\nLIMIT 1", "SORT points DESC\nLIMIT 1\nDERIVE k = 1"
    for plan, lazily in ((last, ["at least 2 rows share points = 5; it keeps 1"]), (inner, [])):
        compiled = compile(plan, {"t": _schema()})
        lazy = compiled.collect({"t": TABLE.lazy()})
        assert [n.message.split(": ", 1)[1] for n in lazy.notes if n.code == "W305"] == lazily
        assert lazy.frame.height == 1  # the extra row is not part of the answer
        eager = [n.message for n in compiled.collect({"t": TABLE}).notes if n.code == "W305"]
        assert eager == ["LIMIT 1 cuts through a tie: 3 rows share points = 5; it keeps 1"]
    path = tmp_path / "t.csv"
    TABLE.write_csv(path)
    small = load_table(path, name="t")
    from_file = compile(inner, {"t": small.schema()})
    assert "W305" in [n.code for n in from_file.collect({"t": small}).notes]
    big = RERUN_FILE_BYTES
    try:
        execute_module.RERUN_FILE_BYTES = path.stat().st_size - 1
        assert "W305" not in [n.code for n in from_file.collect({"t": small}).notes]
    finally:
        execute_module.RERUN_FILE_BYTES = big


def test_a_limit_that_ends_the_plan_needs_no_query_without_a_tie() -> None:
    # The answer is collected with one row more; when it does not tie, no query is made.
    from pesql.runtime.engine import batched

    compiled = compile("SORT points\nLIMIT 1", {"t": _schema()})  # 3 is alone
    assert compiled.tie_limit is not None
    rounds: list[int] = []
    collect = batched._collect

    def counted(queries: list[pl.LazyFrame], engine: str) -> list[pl.DataFrame | None]:
        rounds.append(len(queries))
        return collect(queries, engine)  # type: ignore[arg-type]

    batched._collect = counted  # type: ignore[assignment]
    try:
        result = compiled.collect({"t": TABLE})
    finally:
        batched._collect = collect
    assert result.frame.height == 1 and "W305" not in [n.code for n in result.notes]
    assert rounds == [1]  # the answer alone: no probe of the order


def test_data_warnings_off_turns_order_warnings_off() -> None:
    notes = execute("SORT rank\nLIMIT 1", TABLE, limits=Limits(data_warnings=False)).notes
    assert notes == ()


# A column of few values (many ties), a LIMIT and an OFFSET.
CUTS = (
    st.lists(st.integers(0, 4), min_size=1, max_size=25),
    st.integers(1, 6),
    st.integers(0, 3),
)


def _cut(values: list[int], count: int, offset: int) -> tuple[list[int], int, bool]:
    """The values in `SORT x DESC` order, the LIMIT's end, and whether it splits equal keys."""
    ordered = sorted(values, reverse=True)
    end = offset + count
    return ordered, end, len(ordered) > end and ordered[end - 1] == ordered[end]


@given(*CUTS)
def test_w305_fires_exactly_when_the_cut_splits_equal_keys(
    values: list[int], count: int, offset: int
) -> None:
    frame = pl.DataFrame({"x": values})
    ordered, end, cuts = _cut(values, count, offset)
    plan = f"SORT x DESC\nLIMIT {count} OFFSET {offset}"
    notes = [n for n in execute(plan, frame).notes if n.code == "W305"]
    assert bool(notes) == cuts
    if cuts:
        tied = ordered.count(ordered[end - 1])
        kept = sum(1 for v in ordered[offset:end] if v == ordered[end - 1])
        assert f"{tied} rows share x = {ordered[end - 1]}; it keeps {kept}" in notes[0].message


def _schema() -> object:
    from pesql.compiler.backends.polars.dtypes import schema_from_polars

    return schema_from_polars(TABLE.schema)


@given(*CUTS)
def test_w305_from_the_answer_alone_fires_exactly_when_the_cut_splits_equal_keys(
    values: list[int], count: int, offset: int
) -> None:
    # A LazyFrame is never read twice: W305 then comes from the answer's one extra row.
    ordered, end, cuts = _cut(values, count, offset)
    compiled = compile(
        f"SORT x DESC\nLIMIT {count} OFFSET {offset}", {"t": Schema.of({"x": "integer"})}
    )
    result = compiled.collect({"t": pl.LazyFrame({"x": values})})
    assert result.frame["x"].to_list() == ordered[offset:end]
    notes = [n for n in result.notes if n.code == "W305"]
    assert bool(notes) == cuts
    if cuts:
        kept = sum(1 for v in ordered[offset:end] if v == ordered[end - 1])
        tied_seen = sum(1 for v in ordered[offset : end + 1] if v == ordered[end - 1])
        assert f"at least {tied_seen} rows share x = {ordered[end - 1]}; it keeps {kept}" in (
            notes[0].message
        )
