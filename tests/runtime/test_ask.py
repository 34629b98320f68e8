"""The ask loop against the local OpenAI-compatible server, through the real openai client."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
from pesql.compiler import pipeline
from pesql.compiler.repair import repair as repair_module
from pesql.grammar.formdefs import form_definition
from pesql.grammar.ops.numeric import SubAbs
from pesql.runtime.llm.ask import AskError, as_catalog, ask, ask_async
from pesql.runtime.llm.client import Failure, FunctionCall, Reply
from pesql.runtime.llm.profile import Profile
from pesql.runtime.llm.session import AskSession, Send, Sleep
from pesql.runtime.tables.catalog import Catalog
from pesql.runtime.tables.table import load_table
from pesql.runtime.testing.fake_openai.server import (
    FakeOpenAI,
    Message,
    Status,
    Text,
    ToolCall,
    Usage,
)

from tests.runtime.ask_fixtures import FAST, HEAVIEST, arguments, penguins, server

__all__ = ["server"]  # the fixture, re-exported for pytest

QUESTION = "Which species is heaviest on average?"


def test_a_correct_call_is_run_and_reported(server: FakeOpenAI) -> None:
    server.script(ToolCall(arguments(HEAVIEST), usage=Usage(1200, 80)))
    result = ask(QUESTION, {"penguins": penguins()}, server.client(), "gpt-4o-mini", FAST)
    assert result.text == HEAVIEST
    assert result.frame.rows() == [("Gentoo", 5200.0)]
    assert (result.attempts, result.repairs, result.model) == (1, (), "gpt-4o-mini")
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (1200, 80)
    assert not result.usage.estimated
    assert result.footer().startswith("model gpt-4o-mini · 1 attempt · 0 repairs · 1200 in / 80")
    assert server.unconsumed == ()


def test_the_request_forces_the_profile_function(server: FakeOpenAI) -> None:
    server.script(ToolCall(arguments("LIMIT 1")))
    profile = dataclasses.replace(FAST, function_name="run_plan", verbosity="full")
    ask(QUESTION, {"penguins": penguins()}, server.client(), "m", profile)
    body = server.chat_requests[0].body
    columns = list(penguins().columns)
    expected = form_definition(
        "tree", columns, strict=True, verbosity="full", name="run_plan", tables=["penguins"]
    )
    assert body["tools"] == [expected]
    assert body["tools"][0]["function"]["strict"] is True
    assert body["tool_choice"] == {"type": "function", "function": {"name": "run_plan"}}
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.0
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "Table `penguins` (5 rows, 5 columns)" in body["messages"][0]["content"]


def test_strict_off_leaves_it_out(server: FakeOpenAI) -> None:
    server.script(ToolCall(arguments("LIMIT 1")))
    ask(QUESTION, penguins(), server.client(), "m", dataclasses.replace(FAST, strict=False))
    assert "strict" not in server.chat_requests[0].body["tools"][0]["function"]


BROKEN = {
    "early close": (
        '{"table": null, "steps": [{"op": "DERIVE", "columns": [{"name": "gap", "expr": '
        '{"op": "SUB_ABS", "left": "bill_length_mm"}, "right": "bill_depth_mm"}}]}]}',
        "move_property",
    ),
    "truncation": (arguments("SORT body_mass_g DESC\nLIMIT 2")[:-1], "close_truncated"),
    "single quotes": ("{'steps': [{'op': 'LIMIT', 'count': 2}]}", "single_quotes"),
    "python literals": (
        '{"table": None, "steps": [{"op": "LIMIT", "count": 2, "with_ties": False}]}',
        "python_literal",
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_arguments_are_repaired_without_another_turn(server: FakeOpenAI, name: str) -> None:
    text, fix = BROKEN[name]
    server.script(ToolCall(text))
    result = ask(QUESTION, {"penguins": penguins()}, server.client(), "m", FAST)
    assert result.attempts == 1 and len(server.chat_requests) == 1
    assert fix in result.repairs
    assert [e.data["fixes"] for e in result.trace.of("repair")] == [list(result.repairs)]
    assert "1 repair" in result.footer() or f"{len(result.repairs)} repairs" in result.footer()


@pytest.mark.parametrize(
    "content",
    [
        'Here is the plan:\n```json\n{"steps": [{"op": "LIMIT", "count": 2}]}\n```\nEnjoy.',
        '{"steps": [{"op": "LIMIT", "count": 2}]}',
    ],
    ids=["fenced with prose", "bare json"],
)
def test_json_in_the_text_when_the_server_ignores_tools(server: FakeOpenAI, content: str) -> None:
    server.script(Text(content))
    result = ask(QUESTION, penguins(), server.client(), "m", FAST)
    assert (result.text, result.attempts, result.frame.height) == ("LIMIT 2", 1, 2)


def test_a_truncated_array_is_not_trusted_and_asked_again(server: FakeOpenAI) -> None:
    cut = '{"steps": [{"op": "SORT", "keys": [{"column": "body_mass_g", "descending": true}]}, '
    server.script(ToolCall(cut + '{"op": "LIMIT", "count": 2'), ToolCall(arguments("LIMIT 2")))
    result = ask(QUESTION, penguins(), server.client(), "m", FAST)
    assert (result.text, result.attempts) == ("LIMIT 2", 2)
    sent = json.loads(server.chat_requests[1].body["messages"][-1]["content"])
    assert {e["code"] for e in sent["errors"]} == {"E403"}


def test_prose_then_a_call(server: FakeOpenAI) -> None:
    server.script(Text("Gentoo penguins are the heaviest."), ToolCall(arguments(HEAVIEST)))
    result = ask(QUESTION, {"penguins": penguins()}, server.client(), "m", FAST)
    assert (result.text, result.attempts) == (HEAVIEST, 2)
    assistant, feedback = server.chat_requests[1].body["messages"][2:]
    assert assistant == {"role": "assistant", "content": "Gentoo penguins are the heaviest."}
    assert feedback["role"] == "user"
    assert [e["code"] for e in json.loads(feedback["content"])["errors"]] == ["E501"]


def test_ignored_strict_schema_violations_go_back_as_the_tool_result(server: FakeOpenAI) -> None:
    bad = '{"table": null, "steps": [{"op": "MEDIAN_ABS", "column": "body_mass_g"}]}'
    server.script(ToolCall(bad, id="call_bad"), ToolCall(arguments(HEAVIEST)))
    result = ask(QUESTION, {"penguins": penguins()}, server.client(), "m", FAST)
    assert result.attempts == 2
    assistant, tool = server.chat_requests[1].body["messages"][2:]
    assert assistant["tool_calls"][0]["id"] == "call_bad"
    assert assistant["tool_calls"][0]["function"]["arguments"] == bad
    assert tool["role"] == "tool" and tool["tool_call_id"] == "call_bad"
    errors = json.loads(tool["content"])["errors"]
    assert errors[0]["code"] == "E151" and "MEDIAN_ABS" in errors[0]["message"]
    assert tool["content"] == json.dumps({"errors": errors}, ensure_ascii=False)
    assert [e.attempt for e in result.trace.of("diagnostics")] == [1]


def test_type_errors_are_sent_back_without_repair_noise(server: FakeOpenAI) -> None:
    server.script(ToolCall(arguments("FILTER weight > 3000")), ToolCall(arguments("LIMIT 1")))
    result = ask(QUESTION, {"penguins": penguins()}, server.client(), "m", FAST)
    errors = json.loads(server.chat_requests[1].body["messages"][-1]["content"])["errors"]
    assert [e["code"] for e in errors] == ["E201"] and result.attempts == 2


def test_every_parallel_call_gets_a_tool_message(server: FakeOpenAI) -> None:
    bad = arguments("FILTER weight > 3000")
    server.script(
        Message(
            tool_calls=(ToolCall(bad, "query_table", id="a"), ToolCall(bad, "query_table", id="b"))
        ),
        ToolCall(arguments("LIMIT 1")),
    )
    ask(QUESTION, penguins(), server.client(), "m", FAST)
    sent = server.chat_requests[1].body["messages"][2:]
    assert [m.get("tool_call_id") for m in sent] == [None, "a", "b"]


def test_retries_exhausted(server: FakeOpenAI) -> None:
    server.script(Text("I think Gentoo."), Text("Gentoo."), ToolCall(arguments("FILTER x > 1")))
    with pytest.raises(AskError) as caught:
        ask(QUESTION, penguins(), server.client(), "m", FAST)
    assert caught.value.codes == ("E503", "E201")
    assert caught.value.attempts == 3 and caught.value.usage.requests == 3
    assert "no valid plan after 3 attempts" in str(caught.value)
    assert caught.value.trace.of("failed")[0].data["errors"][0]["code"] == "E503"
    assert server.unconsumed == ()


def test_an_answer_repeated_word_for_word_ends_the_reasks(server: FakeOpenAI) -> None:
    same = arguments("FILTER x > 1")
    server.script(Text("Gentoo."), ToolCall(same), ToolCall(same), ToolCall(same))
    profile = dataclasses.replace(FAST, max_attempts=4)
    with pytest.raises(AskError) as caught:
        ask(QUESTION, penguins(), server.client(), "m", profile)
    # Attempt 3 wrote attempt 2's answer again: no attempt 4 (its request would be the longest).
    assert caught.value.codes == ("E503", "E201") and caught.value.attempts == 3
    assert len(server.chat_requests) == 3 and len(server.unconsumed) == 1
    assert "no valid plan after 3 attempts" in str(caught.value)
    assert "attempt 3 repeated attempt 2's answer word for word" in str(caught.value)


def test_without_stop_on_repeat_every_attempt_is_made(server: FakeOpenAI) -> None:
    same = arguments("FILTER x > 1")
    server.script(ToolCall(same), ToolCall(same), ToolCall(same))
    profile = dataclasses.replace(FAST, stop_on_repeat=False)
    with pytest.raises(AskError) as caught:
        ask(QUESTION, penguins(), server.client(), "m", profile)
    assert caught.value.attempts == 3 and server.unconsumed == ()
    assert "repeated" not in str(caught.value)


def test_a_prompt_over_the_token_budget_sends_nothing(server: FakeOpenAI) -> None:
    with pytest.raises(AskError) as caught:
        ask(QUESTION, penguins(), server.client(), "m", dataclasses.replace(FAST, token_budget=500))
    assert caught.value.codes == ("E504",) and server.chat_requests == []


def test_the_token_budget_stops_retrying(server: FakeOpenAI) -> None:
    server.script(ToolCall(arguments("FILTER x > 1"), usage=Usage(9_000, 1_000)))
    profile = dataclasses.replace(FAST, token_budget=10_000, max_attempts=5)
    with pytest.raises(AskError) as caught:
        ask(QUESTION, penguins(), server.client(), "m", profile)
    assert caught.value.codes == ("E504", "E201")
    assert len(server.chat_requests) == 1 and caught.value.usage.total == 10_000


def test_renamed_operations_are_shown_and_accepted(server: FakeOpenAI) -> None:
    profile = Profile(renames={"SUB_ABS": "ABS_DIFF"}, backoff_s=0.001)
    plan = "DERIVE gap = SUB_ABS(bill_length_mm, bill_depth_mm)\nSORT gap DESC\nLIMIT 1"
    server.script(ToolCall(arguments(plan, profile.naming)))
    result = ask("Largest bill gap?", penguins(), server.client(), "m", profile)
    tool = json.dumps(server.chat_requests[0].body["tools"])
    assert "ABS_DIFF" in tool and "SUB_ABS" not in tool
    assert '"op":"ABS_DIFF"' in result.trace.of("response")[0].data["calls"][0][1]
    assert isinstance(result.plan.steps[0].columns[0].expr, SubAbs)  # type: ignore[attr-defined]
    assert result.frame["gap"].to_list() == pytest.approx([32.9])


def test_usage_is_counted_offline_when_the_server_sends_none(server: FakeOpenAI) -> None:
    from pesql.runtime.testing.fake_openai.server import Malformed

    completion = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "query_table", "arguments": arguments("LIMIT 1")},
                        }
                    ],
                },
            }
        ],
    }
    server.script(Malformed(json.dumps(completion)))
    result = ask(
        QUESTION, penguins(), server.client(), "m", dataclasses.replace(FAST, stream=False)
    )
    assert result.usage.estimated and result.usage.prompt_tokens > 1000
    assert 5 < result.usage.completion_tokens < 60
    assert "~" in result.footer()


def test_ask_async_shares_the_loop(server: FakeOpenAI) -> None:
    server.script(Status(429, retry_after=0.001), Text("prose"), ToolCall(arguments(HEAVIEST)))

    async def main() -> tuple[str, int, int]:
        async with server.async_client() as client:
            result = await ask_async(QUESTION, {"penguins": penguins()}, client, "m", FAST)
        return result.text, result.attempts, len(result.trace.of("retry"))

    assert asyncio.run(main()) == (HEAVIEST, 2, 1)


def test_clients_must_match_the_driver(server: FakeOpenAI) -> None:
    with pytest.raises(TypeError, match="ask_async"):
        ask(QUESTION, penguins(), server.async_client())  # type: ignore[arg-type]


def test_tables_come_in_many_forms(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    penguins().write_csv(path)
    table = load_table(penguins(), name="inner")
    assert as_catalog(penguins()).names() == ["table"]
    assert as_catalog(str(path)).names() == ["sales"]
    assert as_catalog(table).names() == ["inner"]
    mixed = as_catalog({"a": penguins(), "b": path, "c": table, "d": penguins().lazy()})
    assert mixed.names() == ["a", "b", "c", "d"] and mixed.get("c").name == "c"
    catalog = Catalog([table])
    assert as_catalog(catalog) is catalog


def test_the_session_is_sans_io() -> None:
    """The loop can be driven by hand: no network, no sleeping, every decision visible."""
    session = AskSession("q", as_catalog(penguins()), model="m", profile=FAST)
    steps = session.run()
    first = next(steps)
    assert isinstance(first, Send) and first.body["model"] == "m" and first.stream
    assert steps.send(Failure("rate_limit", "slow down", 429, 1.5)) == Sleep(1.5)
    assert isinstance(steps.send(None), Send)
    call = FunctionCall("c1", "query_table", arguments("LIMIT 1"))
    reply = Reply(None, (call,), "tool_calls", 10, 5, "m", 0.1, 0.2)
    with pytest.raises(StopIteration) as stop:
        steps.send(reply)
    result = stop.value.value
    assert (result.text, result.usage.total, result.attempts) == ("LIMIT 1", 15, 1)


def test_the_ask_loop_checks_each_plan_once(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # repair checks the plan against the tables (to choose among readings); compile takes
    # that CheckedPlan and does not check it again.
    calls: list[str] = []
    real = repair_module.check

    def counted(where: str) -> object:
        return lambda *args: calls.append(where) or real(*args)

    monkeypatch.setattr(repair_module, "check", counted("repair"))
    monkeypatch.setattr(pipeline, "check", counted("compile"))
    server.script(ToolCall(arguments(HEAVIEST)))
    result = ask(QUESTION, {"penguins": penguins()}, server.client(), "m", FAST)
    assert result.frame.rows() == [("Gentoo", 5200.0)]
    assert calls == ["repair"]
