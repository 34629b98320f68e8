"""Group warnings (runtime/engine/group_warnings.py): W307 a GROUP_BY that makes one group,
W308 one that makes a group per row; the two commonest wrong answers of a real 1.5B model that
raised nothing (issue 16), and the ask loop that shows them to the model."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.runtime.engine.execute import compile, execute
from pesql.runtime.engine.group_warnings import MIN_ROWS
from pesql.runtime.engine.limits import Limits
from pesql.runtime.llm.ask import ask
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, ToolCall

from tests.runtime.ask_fixtures import FAST, arguments, server

__all__ = ["server"]

CARS = pl.DataFrame(
    {
        "name": ["a", "b", "c", "d", "e"],
        "cylinders": [8, 8, 4, 4, 6],
        "year": [1970, 1971, 1972, 1973, 1974],
        "day": [dt.date(2020, 1, d) for d in range(1, 6)],
        "mpg": [10.0, 12.0, 30.0, 28.0, 20.0],
    }
)


def warnings(plan: str, frame: pl.DataFrame = CARS) -> list[tuple[str, str, tuple[str, ...]]]:
    notes = execute(plan, frame).notes
    return [(n.code, n.message, n.hints) for n in notes if n.code in ("W307", "W308")]


def test_a_key_fixed_by_a_filter_makes_one_group() -> None:
    [(code, message, hints)] = warnings(
        "FILTER cylinders = 8\nGROUP_BY cylinders COMPUTE n = COUNT(*)"
    )
    assert code == "W307"
    assert message == "GROUP_BY cylinders makes one group: all 2 rows have cylinders = 8"
    assert "AGGREGATE" in hints[0]
    # The answer itself is unchanged: a warning, not an error.
    assert execute(
        "FILTER cylinders = 8\nGROUP_BY cylinders COMPUTE n = COUNT(*)", CARS
    ).frame.rows() == [(8, 2)]


def test_a_unique_key_makes_a_group_per_row() -> None:
    [(code, message, hints)] = warnings("GROUP_BY year COMPUTE avg = AVG(mpg)")
    assert code == "W308"
    assert message == (
        "GROUP_BY year makes a group per row: each of the 5 rows is a group of its own, "
        "so its aggregates compute nothing"
    )
    assert hints[0].startswith("for one value over all the rows, write AGGREGATE")
    assert len(hints) == 1  # `year` is a number: no date hint
    [(_, message, hints)] = warnings("GROUP_BY day")
    assert message.endswith("so it changes nothing")
    assert "DERIVE y = YEAR(day)" in hints[1]


def test_the_keys_are_judged_where_the_step_reads_them() -> None:
    # A derived key, and the rows left by an earlier FILTER (3 rows, 3 distinct mpg).
    [(code, message, _)] = warnings("FILTER cylinders < 8\nDERIVE m = mpg * 2\nGROUP_BY m")
    assert code == "W308" and "each of the 3 rows" in message
    # Two keys together unique, each alone not.
    assert [c for c, _, _ in warnings("GROUP_BY cylinders, name COMPUTE n = COUNT(*)")] == ["W308"]


def test_groupings_that_group_are_quiet() -> None:
    assert warnings("GROUP_BY cylinders COMPUTE n = COUNT(*)") == []
    assert warnings("AGGREGATE n = COUNT(*)") == []
    # Below MIN_ROWS rows a group per row is too little evidence; one row is one group.
    assert warnings(f"LIMIT {MIN_ROWS - 1}\nGROUP_BY year COMPUTE n = COUNT(*)") == []
    assert warnings("LIMIT 1\nGROUP_BY year COMPUTE n = COUNT(*)") == []
    assert warnings("FILTER year > 3000\nGROUP_BY year COMPUTE n = COUNT(*)") == []


def test_limits_turn_them_off() -> None:
    plan = "GROUP_BY year COMPUTE avg = AVG(mpg)"
    assert execute(plan, CARS, limits=Limits(data_warnings=False)).notes == ()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=0, max_size=12))
def test_they_fire_exactly_when_the_grouping_does_not_group(keys: list[int]) -> None:
    frame = pl.DataFrame(
        {"k": keys, "v": list(range(len(keys)))}, schema={"k": pl.Int64, "v": pl.Int64}
    )
    found = [c for c, _, _ in warnings("GROUP_BY k COMPUTE s = SUM(v)", frame)]
    distinct, n = len(set(keys)), len(keys)
    expected = (
        ["W307"] if distinct == 1 and n >= 2 else ["W308"] if distinct == n >= MIN_ROWS else []
    )
    assert found == expected


def test_the_model_sees_the_warning_and_may_aggregate(server: FakeOpenAI) -> None:
    server.script(
        ToolCall(arguments("FILTER cylinders = 8\nGROUP_BY cylinders COMPUTE n = COUNT(*)")),
        ToolCall(arguments("FILTER cylinders = 8\nAGGREGATE n = COUNT(*)")),
    )
    result = ask("How many cars have 8 cylinders?", {"cars": CARS}, server.client(), "m", FAST)
    assert result.frame.rows() == [(2,)] and result.attempts == 2
    sent_back = server.chat_requests[1].body["messages"][-1]["content"]
    assert "W307" in sent_back and "AGGREGATE" in sent_back


def test_a_grouping_before_a_lookup_is_measured_and_one_after_it_is_not() -> None:
    """The warnings' prefixes (runtime/engine/prefixes.py) stop at the first JOIN or LOOKUP:
    the joined tables are not read again for a warning."""
    makers = pl.DataFrame({"cylinders": [4, 6, 8], "maker": ["x", "y", "z"]})
    tables = {"cars": CARS, "makers": makers}
    schemas = {n: schema_from_polars(f.schema) for n, f in tables.items()}

    def grouped(text: str) -> list[str]:
        notes = compile(text, schemas).collect(tables).notes
        return [n.code for n in notes if n.code in ("W307", "W308")]

    assert grouped("FROM cars\nGROUP_BY year COMPUTE n = COUNT(*)\nSORT year") == ["W308"]
    before = "FROM cars\nGROUP_BY year COMPUTE n = COUNT(*)\nLOOKUP makers ON n = cylinders"
    assert grouped(before) == ["W308"]
    after = "FROM cars\nLOOKUP makers ON cylinders = cylinders\nGROUP_BY year COMPUTE n = COUNT(*)"
    assert grouped(after) == []
