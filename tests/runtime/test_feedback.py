"""The diagnostics a model reads on a re-ask: JSON by default, short text by the profile's
`feedback = "text"`, for errors and for warnings, as the tool result or the user turn."""

from __future__ import annotations

import dataclasses
import json

import pytest
from pesql.runtime.llm.ask import ask
from pesql.runtime.llm.profile import Profile
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, Text, ToolCall

from tests.runtime.ask_fixtures import FAST, arguments, penguins, server

__all__ = ["server"]

TEXT = dataclasses.replace(FAST, feedback="text")


def test_an_error_goes_back_as_text(server: FakeOpenAI) -> None:
    server.script(ToolCall(arguments("FILTER nope > 1"), id="c1"), ToolCall(arguments("LIMIT 2")))
    result = ask("Two penguins?", {"penguins": penguins()}, server.client(), "m", TEXT)
    assert result.attempts == 2
    sent = server.chat_requests[1].body["messages"][-1]
    assert sent["role"] == "tool" and sent["tool_call_id"] == "c1"
    lines = sent["content"].splitlines()
    assert lines[0] == "The plan did not run:"
    assert lines[1].startswith("- ") and "(E201)" in lines[1] and "nope" in lines[1]
    assert any(line.startswith("  hint: ") for line in lines[2:-1])
    assert lines[-1].startswith("Answer again with the whole corrected plan")
    with pytest.raises(json.JSONDecodeError):  # nothing a model could copy as its plan
        json.loads(sent["content"])


def test_a_warning_goes_back_as_text_and_says_the_plan_ran(server: FakeOpenAI) -> None:
    server.script(
        Text(
            '{"steps": [{"op": "FILTER", "where": {"op": "EQ", "left": "island", '
            '"right": {"value": "dream", "type": "string"}}}]}'
        ),
        ToolCall(arguments("FILTER island = 'Dream'")),
    )
    result = ask("Penguins on Dream?", {"penguins": penguins()}, server.client(), "m", TEXT)
    assert result.attempts == 2 and result.frame.height == 2
    sent = server.chat_requests[1].body["messages"][-1]
    assert sent["role"] == "user"  # the reply was text, not a call
    assert sent["content"].startswith("The plan ran, but its answer is likely not what")
    assert "(W301)" in sent["content"] and "'Dream'" in sent["content"]
    assert "or the same plan if it answers the question" in sent["content"]


def test_json_stays_the_default(server: FakeOpenAI) -> None:
    assert Profile().feedback == "json"
    server.script(ToolCall(arguments("FILTER nope > 1")), ToolCall(arguments("LIMIT 2")))
    ask("Two penguins?", {"penguins": penguins()}, server.client(), "m", FAST)
    sent = json.loads(server.chat_requests[1].body["messages"][-1]["content"])
    assert [e["code"] for e in sent["errors"]] == ["E201"]


def test_an_unknown_feedback_is_refused() -> None:
    with pytest.raises(Exception, match="feedback"):
        Profile(feedback="prose")  # type: ignore[arg-type]
