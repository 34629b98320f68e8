"""Server-compatibility knobs and the small-model profile, offline: the local fake server and
replies recorded from a real llama-server (tests/runtime/fixtures/llama_server/*.json)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from pesql.grammar.exports import export_gbnf
from pesql.grammar.jsonform import from_json
from pesql.runtime.llm.ask import AskError, ask
from pesql.runtime.llm.profile import Profile
from pesql.runtime.llm.prompt import SYSTEM_PROMPT_JSON, build_messages, request_body
from pesql.runtime.llm.shots import Shots, asks_one_value, render_shots
from pesql.runtime.tables.table import load_table
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, Text, ToolCall

from tests.runtime.ask_fixtures import FAST, arguments, penguins, server

__all__ = ["server"]

ROOT = Path(__file__).resolve().parents[2]
RECORDED = Path(__file__).parent / "fixtures" / "llama_server"
LOCAL = Profile.load(ROOT / "examples" / "profiles" / "local.toml")
FAST_KNOBS = {
    f: getattr(FAST, f) for f in ("backoff_s", "backoff_max_s", "timeout_s", "deadline_s")
}


def recorded(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((RECORDED / f"{name}.json").read_text("utf-8"))
    return data


def body_of(profile: Profile, attempt: int = 1) -> dict[str, object]:
    messages = build_messages("q?", profile, "T")
    return request_body("m", messages, {"type": "function"}, profile, attempt)


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("function", {"type": "function", "function": {"name": "query_table"}}),
        ("required", "required"),
        ("auto", "auto"),
        ("omit", None),
    ],
)
def test_tool_choice_per_server(choice: str, sent: object) -> None:
    body = body_of(Profile.from_dict({"tool_choice": choice}))
    assert body.get("tool_choice") == sent
    assert body["parallel_tool_calls"] is False


def test_parallel_calls_seed_retry_temperature_and_extra_fields() -> None:
    profile = Profile(parallel_tool_calls=None, seed=7, retry_temperature=0.7, extra={"top_k": 5})
    first, second = body_of(profile, 1), body_of(profile, 2)
    assert "parallel_tool_calls" not in first
    assert (first["temperature"], first["seed"], first["top_k"]) == (0.0, 7, 5)
    assert (second["temperature"], second["seed"]) == (0.7, 8)  # a re-ask samples anew


def test_bad_knobs_are_errors_not_silent_changes() -> None:
    for bad in (
        {"tool_choice": "force"},
        {"constrain": "regex"},
        {"extra": {"messages": []}},
        {"constrain": "gbnf"},  # with tools: llama-server refuses grammar + tools
        {"shots": -1},
    ):
        with pytest.raises(Exception, match=r"E155|E15") as info:
            Profile.from_dict(bad)
        assert "Traceback" not in str(info.value)


def test_without_tools_the_prompt_asks_for_json_and_the_grammar_holds_it() -> None:
    assert LOCAL.tools is False and LOCAL.constrain == "gbnf"
    body = body_of(LOCAL)
    assert "tools" not in body and "tool_choice" not in body
    assert body["grammar"] == export_gbnf()
    assert body["max_tokens"] == 400
    system = body["messages"][0]["content"]  # type: ignore[index]
    assert system.startswith(SYSTEM_PROMPT_JSON.split("{")[0])
    schema = body_of(dataclasses.replace(LOCAL, constrain="json_schema"))
    assert schema["response_format"]["type"] == "json_schema"  # type: ignore[index]


def test_shots_are_similar_questions_never_the_question_itself() -> None:
    bank = Shots.load(ROOT / "examples" / "profiles" / "shots.jsonl")
    assert len(bank.shots) > 200
    asked = bank.shots[0].question
    picked = bank.pick(asked, 3, ["penguins"])
    assert len(picked) == 3 and asked not in [s.question for s in picked]
    text = render_shots(picked)
    assert text.count("Plan: {") == 3 and '"op":' in text
    # The profile's names are what the examples show.
    renamed = Shots.parse(
        ['{"question": "gap?", "plan": "DERIVE g = SUB_ABS(a, b)"}'],
        Profile(renames={"SUB_ABS": "ABS_DIFF"}).naming,
    )
    assert '"op":"ABS_DIFF"' in renamed.shots[0].plan_json


def test_a_question_for_one_value_gets_an_aggregate_example_nearest() -> None:
    bank = Shots.parse(
        [
            '{"question": "How many cars of each origin are there?",'
            ' "plan": "GROUP_BY origin COMPUTE n = COUNT(*)"}',
            '{"question": "How many flowers are there?", "plan": "AGGREGATE n = COUNT(*)"}',
        ]
    )
    one = bank.pick("How many cars have 8 cylinders?", 2)
    assert one[-1].question == "How many flowers are there?"  # nearest: last
    per = bank.pick("How many cars of each origin have 8 cylinders?", 2)
    assert per[-1].question.startswith("How many cars of each origin")


def test_an_example_reading_tables_the_catalog_lacks_is_not_shown() -> None:
    join = (
        '{"question": "How many flights had a plane built before 1990?", "tables": ["flights",'
        ' "planes"], "plan": "FROM flights\\nJOIN planes ON tailnum = tailnum\\nFILTER year < 1990'
        '\\nAGGREGATE n = COUNT(*)"}'
    )
    alone = (
        '{"question": "How many flights left late?", "tables": ["flights"],'
        ' "plan": "FROM flights\\nFILTER dep_delay > 0\\nAGGREGATE n = COUNT(*)"}'
    )
    bank = Shots.parse([join, alone])
    asked = "How many flights had a plane built before 2000?"
    # With one table the JOIN example cannot be copied: its tables are not there.
    assert [s.question for s in bank.pick(asked, 2, ["flights"])] == [bank.shots[1].question]
    assert [s.question for s in bank.pick(asked, 2, ["weather"])] == [bank.shots[1].question]
    # With both tables, or with no catalog named, it is the nearest.
    assert bank.pick(asked, 2, ["flights", "planes"])[-1] is bank.shots[0]
    assert bank.pick(asked, 2)[-1] is bank.shots[0]


@pytest.mark.parametrize(
    ("question", "one"),
    [
        ("How many cars have 8 cylinders?", True),
        ("In how many months was it cold?", True),
        ("What was the average price of wheat in the 1600s?", True),
        ("What is the total precipitation per year?", False),
        ("How many penguins live on each island?", False),
        ("Which 3 cars are the heaviest?", False),
        ("What was the coldest day?", False),
        ("What was the highest weekly wage recorded, and in which year?", False),
        ("How many Emperor penguins are there, and what is their average mass?", True),
    ],
)
def test_asks_one_value(question: str, one: bool) -> None:
    assert asks_one_value(question) is one


def test_a_broken_shots_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "shots.jsonl"
    path.write_text('{"question": "ok?", "plan": "LIMIT 1"}\n{"question": "bad"}\n', "utf-8")
    with pytest.raises(Exception, match=r"E307.*shots.jsonl:2"):
        Shots.load(path)


def test_a_profile_finds_its_shots_beside_it(tmp_path: Path) -> None:
    (tmp_path / "mine.jsonl").write_text('{"question": "n?", "plan": "LIMIT 1"}\n', "utf-8")
    (tmp_path / "p.toml").write_text('tools = false\nshots_file = "mine.jsonl"\n', "utf-8")
    assert Profile.load(tmp_path / "p.toml").shots_file == str(tmp_path / "mine.jsonl")


def test_the_local_profile_sends_examples_and_a_grammar(server: FakeOpenAI) -> None:
    server.script(Text(arguments("GROUP_BY island COMPUTE n = COUNT(*)")))
    profile = dataclasses.replace(LOCAL, timeout_s=5.0, deadline_s=30.0)
    result = ask("How many penguins per island?", {"penguins": penguins()}, server.client(), "m",
                 profile)  # fmt: skip
    assert sorted(result.frame.rows()) == [("Biscoe", 2), ("Dream", 2), ("Torgersen", 1)]
    body = server.chat_requests[0].body
    assert "tools" not in body  # the server's own `grammar` field travels in extra_body
    assert body["grammar"].startswith("#") and "root ::= plan" in body["grammar"]
    assert "Examples of questions and their plans" in body["messages"][0]["content"]


# --- replies recorded from a real llama-server ---------------------------------------------


def test_recorded_sql_prose_is_asked_again(server: FakeOpenAI) -> None:
    reply = recorded("default_profile_sql_prose")
    server.script(Text(str(reply["content"])), ToolCall(arguments("LIMIT 1")))
    result = ask(str(reply["question"]), {"penguins": penguins()}, server.client(), "m", FAST)
    assert result.attempts == 2
    second = server.chat_requests[1].body["messages"]
    assert "E501" in second[-1]["content"]  # prose without a function call, sent back


def test_recorded_call_in_the_text_is_unwrapped_and_its_shape_explained(
    server: FakeOpenAI,
) -> None:
    reply = recorded("default_profile_call_in_text")
    server.script(Text(str(reply["content"])))
    with pytest.raises(AskError) as info:
        ask(str(reply["question"]), {"penguins": penguins()}, server.client(), "m",
            dataclasses.replace(FAST, max_attempts=1))  # fmt: skip
    # Unwrapped from {"name":..., "arguments":...}; its steps are strings, which are read as
    # p-SQL steps (grammar/forms.py), so the model hears where its SQL stops being p-SQL.
    where = {d.code: d.where() for d in info.value.diagnostics}
    assert where["E101"] == "/steps/0 1:16"  # `FROM` inside the step string
    assert "unwrap" in json.dumps([e.data for e in info.value.trace.events])


def test_recorded_text_values_written_as_columns_get_the_literal_shape(
    server: FakeOpenAI,
) -> None:
    reply = recorded("local_profile_text_as_columns")
    server.script(Text(str(reply["content"])), Text(str(reply["content"])))
    profile = dataclasses.replace(LOCAL, max_attempts=2, timeout_s=5.0, deadline_s=30.0)
    with pytest.raises(AskError) as info:
        ask(str(reply["question"]), {"penguins": penguins()}, server.client(), "m", profile)
    hints = [h for d in info.value.diagnostics if d.code == "E201" for h in d.hints]
    assert (
        'if `Torgersen` is a text value, write it as {"value": "Torgersen", "type": "string"}'
        in hints
    )


def test_recorded_correct_plan_from_the_1_5b_model(server: FakeOpenAI) -> None:
    reply = recorded("local_profile_correct_plan")
    server.script(Text(str(reply["content"])))
    profile = dataclasses.replace(LOCAL, timeout_s=5.0, deadline_s=30.0)
    table = load_table(ROOT / "examples" / "tables" / "penguins.csv", name="penguins")
    result = ask(str(reply["question"]), {"penguins": table}, server.client(), "m", profile)
    assert sorted(result.frame.rows()) == [("Biscoe", 168), ("Dream", 124), ("Torgersen", 52)]


@pytest.mark.parametrize("name", ["local.toml", "local_text_gbnf.toml", "local_compact_gbnf.toml"])
def test_the_grammar_holds_the_table_to_the_catalogs(server: FakeOpenAI, name: str) -> None:
    # The 1.5B model wrote `FROM soldiers` for a question about soldiers on the table crimea.
    profile = dataclasses.replace(Profile.load(ROOT / "examples" / "profiles" / name), **FAST_KNOBS)
    plan = profile.canonical(
        from_json({"table": "penguins", "steps": [{"op": "LIMIT", "count": 2}]})
    )
    server.script(Text(json.dumps(plan)))
    result = ask("Two?", {"penguins": penguins()}, server.client(), "m", profile)
    assert result.frame.height == 2
    grammar = server.chat_requests[0].body["grammar"]
    assert isinstance(grammar, str) and "penguins" in grammar
    unbound = body_of(profile)["grammar"]  # no catalog: any table name
    assert isinstance(unbound, str) and "penguins" not in unbound


@pytest.mark.parametrize("name", ["local_text_gbnf.toml", "local_compact_gbnf.toml"])
def test_with_one_table_neither_prompt_nor_grammar_offers_join(
    server: FakeOpenAI, name: str
) -> None:
    # The 1.5B model copied `JOIN LEFT planes ON tailnum = tailnum`, the JOIN line of the
    # language in its prompt, into a question about the weather table (E210).
    profile = dataclasses.replace(Profile.load(ROOT / "examples" / "profiles" / name), **FAST_KNOBS)
    plan = profile.canonical(
        from_json({"table": "penguins", "steps": [{"op": "LIMIT", "count": 1}]})
    )
    server.script(Text(json.dumps(plan)), Text(json.dumps(plan)))
    ask("One?", {"penguins": penguins()}, server.client(), "m", profile)
    one = server.chat_requests[0].body
    system = one["messages"][0]["content"]
    assert "FILTER " in system and "JOIN" not in system and "LOOKUP" not in system
    assert "JOIN" not in one["grammar"] and "LOOKUP" not in one["grammar"]
    two = {"penguins": penguins(), "islands": penguins().select("island").unique()}
    ask("One?", two, server.client(), "m", profile)
    both = server.chat_requests[1].body
    assert "JOIN" in both["messages"][0]["content"] and "LOOKUP" in both["grammar"]
