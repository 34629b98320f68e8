"""The ask loop over several tables: the overview, related keys, the table enum, a join answer."""

from __future__ import annotations

import polars as pl
from pesql.grammar.jsonschema import plan_schema
from pesql.runtime.llm.ask import ask
from pesql.runtime.llm.prompt import table_overview
from pesql.runtime.llm.related import related_keys
from pesql.runtime.llm.tokens import count_tokens
from pesql.runtime.tables.catalog import Catalog
from pesql.runtime.tables.table import load_table
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, ToolCall

from tests.runtime.ask_fixtures import FAST, arguments, server

__all__ = ["server"]  # the fixture, re-exported for pytest

FLIGHTS = pl.DataFrame(
    {
        "carrier": ["UA", "AA", "UA", "B6"],
        "tailnum": ["N1", "N2", "N1", "N3"],
        "origin": ["EWR", "JFK", "EWR", "LGA"],
        "dep_delay": [5, 12, 30, -2],
    }
)
AIRLINES = pl.DataFrame({"carrier": ["AA", "B6", "UA"], "name": ["American", "JetBlue", "United"]})
AIRPORTS = pl.DataFrame({"faa": ["EWR", "JFK", "LGA"], "alt": [18, 13, 22]})
MAINTENANCE = pl.DataFrame({"tailnum": ["N1", "N1", "N2"], "hours": [3, 4, 5]})


def catalog() -> Catalog:
    return Catalog(
        [
            load_table(FLIGHTS, name="flights"),
            load_table(AIRLINES, name="airlines"),
            load_table(AIRPORTS, name="airports"),
            load_table(MAINTENANCE, name="maintenance"),
        ]
    )


def test_related_keys_by_name_and_by_values() -> None:
    lines = related_keys(catalog()).splitlines()
    assert lines[0].startswith("Keys that look related")
    assert "- LOOKUP airlines ON carrier = carrier (unique in airlines)" in lines
    # Different names, found by the values: airports' codes hold the flights' origins.
    assert "- LOOKUP airports ON origin = faa (unique in airports)" in lines
    # Neither side unique: a JOIN, shown once.
    assert "- JOIN maintenance ON tailnum = tailnum (repeats in both)" in lines
    assert not any(line.startswith("- LOOKUP flights") for line in lines)


def test_one_table_has_no_related_keys() -> None:
    assert related_keys(Catalog([load_table(FLIGHTS, name="flights")])) == ""


def test_the_overview_covers_every_table_and_the_keys_within_budget() -> None:
    for budget in (1000, 250):
        text = table_overview(catalog(), budget)
        assert count_tokens(text) <= budget, budget
        assert "LOOKUP airlines ON carrier = carrier" in text
        for name in ("flights", "airlines", "airports", "maintenance"):
            assert f"Table `{name}`" in text


def test_the_tool_offers_the_table_names() -> None:
    schema = plan_schema(columns=["carrier"], tables=["flights", "airlines"])
    assert schema["$defs"]["table"]["enum"] == ["flights", "airlines"]
    join = schema["$defs"]["step_join"]["properties"]
    assert join["table"] == {"$ref": "#/$defs/table"}
    assert join["kind"]["enum"][:4] == ["inner", "left", "semi", "anti"]


def test_a_join_answer_runs_through_the_ask_loop(server: FakeOpenAI) -> None:
    plan = (
        "FROM flights\nLOOKUP airlines ON carrier = carrier\n"
        "GROUP_BY name COMPUTE avg_delay = AVG(dep_delay)\nSORT avg_delay DESC"
    )
    server.script(ToolCall(arguments(plan)))
    result = ask("Which airline has the longest delays?", catalog(), server.client(), "m", FAST)
    assert result.frame.rows()[0] == ("United", 17.5)
    body = server.chat_requests[0].body
    assert "LOOKUP airlines ON carrier = carrier" in body["messages"][0]["content"]
    table_enum = body["tools"][0]["function"]["parameters"]["$defs"]["table"]["enum"]
    assert sorted(table_enum) == ["airlines", "airports", "flights", "maintenance"]


def test_a_lookup_on_a_repeated_key_goes_back_to_the_model(server: FakeOpenAI) -> None:
    wrong = "FROM flights\nLOOKUP maintenance ON tailnum = tailnum"
    right = "FROM flights\nJOIN maintenance ON tailnum = tailnum\nAGGREGATE h = SUM(hours)"
    # The JOIN multiplies rows (W330): the model sees that once and keeps its answer.
    server.script(*(ToolCall(arguments(p)) for p in (wrong, right, right)))
    result = ask("Total maintenance hours over flights?", catalog(), server.client(), "m", FAST)
    assert result.frame.rows() == [(3 + 4 + 5 + 3 + 4,)]
    assert result.attempts == 3
    assert "E330" in str(server.chat_requests[1].body["messages"])
    assert "W330" in str(server.chat_requests[2].body["messages"])
