"""The ask loop in each wire form, offline (the local fake server): the definition sent, the
reply read in the profile's form, slips repaired, operations outside the subset sent back."""

from __future__ import annotations

import dataclasses
import json

import pytest
from pesql.compiler.repair.repair import repair
from pesql.compiler.repair.slips import fix_text
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.forms import Form
from pesql.runtime.llm.ask import ask
from pesql.runtime.llm.profile import Profile
from pesql.runtime.llm.prompt import build_messages
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, Text, ToolCall

from tests.runtime.ask_fixtures import FAST, penguins, server

__all__ = ["server"]

HEAVIEST = {
    "tree": {"steps": [{"op": "SORT", "keys": [{"column": "body_mass_g", "descending": True}]},
                       {"op": "LIMIT", "count": 1}]},
    "compact": {"steps": [{"op": "SORT", "keys": [{"column": "body_mass_g", "descending": True}]},
                          {"op": "LIMIT", "count": 1}]},
    "steps": {"steps": ["SORT body_mass_g DESC", "LIMIT 1"]},
    "text": {"plan": "SORT body_mass_g DESC\nLIMIT 1"},
}  # fmt: skip


@pytest.mark.parametrize("form", ["tree", "compact", "steps", "text"])
def test_each_form_answers(server: FakeOpenAI, form: Form) -> None:
    server.script(ToolCall(json.dumps(HEAVIEST[form])))
    profile = dataclasses.replace(FAST, form=form)
    result = ask("Heaviest penguin?", {"penguins": penguins()}, server.client(), "m", profile)
    assert result.frame.height == 1 and result.attempts == 1
    tool = server.chat_requests[0].body["tools"][0]["function"]
    if form == "tree":
        assert "$defs" in tool["parameters"]
    else:
        assert "SUB_ABS(left, right)" in tool["description"]  # call notation


def test_text_form_reply_as_plain_text_is_read(server: FakeOpenAI) -> None:
    server.script(Text("```sql\nSORT body_mass_g DESC\nLIMIT 1\n```"))
    profile = dataclasses.replace(FAST, form="text", tools=False)
    result = ask("Heaviest penguin?", {"penguins": penguins()}, server.client(), "m", profile)
    assert result.frame.height == 1
    assert "strip_code_fence" in result.repairs
    system = server.chat_requests[0].body["messages"][0]["content"]
    assert "SUB_ABS(left, right)" in system and "tools" not in server.chat_requests[0].body


def test_an_operation_outside_the_subset_is_sent_back(server: FakeOpenAI) -> None:
    bad = {"plan": "DERIVE m = REGEXP_REPLACE(species, 'e', '')\nLIMIT 1"}
    server.script(ToolCall(json.dumps(bad)), ToolCall(json.dumps(HEAVIEST["text"])))
    profile = dataclasses.replace(FAST, form="text", ops="core")
    result = ask("Heaviest penguin?", {"penguins": penguins()}, server.client(), "m", profile)
    assert result.attempts == 2
    sent_back = server.chat_requests[1].body["messages"][-1]["content"]
    assert "E159" in sent_back and "/plan 1:12" in sent_back


@pytest.mark.parametrize(
    ("text", "fixed", "kinds"),
    [
        ("a == 1", "a = 1", ["sql_equals"]),
        ('region = "West"', "region = 'West'", ["double_quoted_text"]),
        ('x = "it\'s"', "x = 'it''s'", ["double_quoted_text"]),
        ("n = count( distinct island)", "n = COUNT_DISTINCT(island)", ["count_distinct"]),
        ("a = 'x == \"y\"'", "a = 'x == \"y\"'", []),  # inside a text literal: left alone
        ("`a==b` = 1", "`a==b` = 1", []),
    ],
)
def test_slips_are_fixed_outside_quotes(text: str, fixed: str, kinds: list[str]) -> None:
    assert fix_text(text) == (fixed, kinds)


def test_slips_in_tree_text_literals_are_data() -> None:
    value = {"steps": [{"op": "FILTER", "where": {"op": "EQ", "left": "a",
                        "right": {"value": 'say "hi" == x', "type": "string"}}}]}  # fmt: skip
    result = repair(json.dumps(value), form="tree")
    assert result.trusted and not result.fixes
    assert 'say "hi" == x' in str(result.plan)


def test_repair_logs_slips_in_compact_strings() -> None:
    value = {"steps": [{"op": "FILTER", "where": 'species == "Adelie"'}]}
    result = repair(json.dumps(value), form="compact")
    assert result.trusted
    assert result.fix_kinds == ("sql_equals", "double_quoted_text")
    assert [f.pointer for f in result.fixes] == ["/steps/0/where", "/steps/0/where"]


def test_profile_form_and_ops_are_checked() -> None:
    with pytest.raises(PesqlError) as info:
        Profile.from_dict({"form": "yaml"})
    assert "form" in str(info.value)
    with pytest.raises(PesqlError):
        Profile.from_dict({"ops": ["NOPE"]})
    with pytest.raises(PesqlError):  # the server refuses a grammar together with tools
        Profile.from_dict({"form": "compact", "tools": True, "constrain": "gbnf"})
    for form in ("text", "steps", "compact"):
        assert Profile.from_dict({"form": form, "tools": False, "constrain": "gbnf"}).form == form
    assert Profile.from_dict({"ops": "core"}).offered is not None
    assert Profile().offered is None


def test_shots_are_shown_in_the_form(tmp_path: object) -> None:
    from pesql.runtime.llm.shots import Shots, render_shots

    bank = Shots.parse(['{"question": "q", "plan": "LIMIT 1"}'], form="text")
    assert '{"plan":"LIMIT 1"}' in render_shots(bank.shots)
    profile = Profile(form="steps", tools=False)
    assert '"steps": ["FROM t"' in build_messages("q", profile, "T")[0]["content"]
