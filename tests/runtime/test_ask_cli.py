"""`pesql ask` end to end: plan, answer and footer; trace file; response cache; errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pesql.runtime.cli.main import run_cli
from pesql.runtime.llm.cache import ResponseCache
from pesql.runtime.llm.trace import read_trace
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, Status, Text, ToolCall, Usage

from tests.runtime.ask_fixtures import HEAVIEST, arguments, penguins, server

__all__ = ["server"]

QUESTION = "Which species is heaviest on average?"


@pytest.fixture
def table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    path = tmp_path / "penguins.csv"
    penguins().write_csv(path)
    return f"penguins={path}"


def _argv(server: FakeOpenAI, table: str, *extra: str) -> list[str]:
    return [
        "ask",
        QUESTION,
        "--table",
        table,
        "--base-url",
        server.base_url,
        "--model",
        "m",
        *extra,
    ]


def test_ask_prints_plan_answer_and_footer(
    server: FakeOpenAI, table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(ToolCall(arguments(HEAVIEST), usage=Usage(900, 40)))
    assert run_cli(_argv(server, table)) == 0
    out = capsys.readouterr().out
    assert out.startswith(HEAVIEST + "\n\n")
    assert "Gentoo" in out and "5200.0" in out
    footer = out.strip().splitlines()[-1]
    assert footer.startswith("model m · 1 attempt · 0 repairs · 900 in / 40 out tokens · ")
    assert footer.endswith(" s")


def test_csv_keeps_stdout_clean(
    server: FakeOpenAI, table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(ToolCall(arguments(HEAVIEST)))
    assert run_cli(_argv(server, table, "--format", "csv")) == 0
    captured = capsys.readouterr()
    assert captured.out == "species,mass\nGentoo,5200.0\n"
    assert captured.err.startswith(HEAVIEST) and "model m · 1 attempt" in captured.err


def test_trace_file_has_every_event(server: FakeOpenAI, table: str, tmp_path: Path) -> None:
    server.script(
        Status(429, retry_after=0.001),
        Text("Gentoo."),
        ToolCall("{'steps': [{'op': 'LIMIT', 'count': 1}]}"),
    )
    trace = tmp_path / "trace.jsonl"
    assert run_cli(_argv(server, table, "--trace", str(trace))) == 0
    events = read_trace(trace)
    assert [e["event"] for e in events] == [
        "start",
        "request",
        "transport_error",
        "retry",
        "request",
        "response",
        "diagnostics",
        "request",
        "response",
        "repair",
        "executed",
        "done",
    ]
    assert events[0]["question"] == QUESTION and events[0]["tool_tokens"] > 1000
    responses = [e for e in events if e["event"] == "response"]
    assert all(0 <= e["ttfb_s"] <= e["total_s"] for e in responses)
    assert responses[0]["content"] == "Gentoo." and responses[0]["prompt_tokens"] > 0
    assert [e["attempt"] for e in events if e["event"] == "request"] == [1, 1, 2]
    assert events[2]["status"] == 429 and events[6]["errors"][0]["code"] == "E501"
    assert events[9]["fixes"] == ["single_quotes"]
    assert events[-1]["attempts"] == 2 and events[-1]["rows"] == 1


def test_a_cache_hit_sends_no_request(
    server: FakeOpenAI, table: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(Text("Gentoo."), ToolCall(arguments(HEAVIEST)))
    cache = tmp_path / "cache"
    assert run_cli(_argv(server, table, "--cache", str(cache))) == 0
    first = capsys.readouterr().out
    assert len(server.chat_requests) == 2 and len(ResponseCache(cache)) == 2

    trace = tmp_path / "again.jsonl"
    assert run_cli(_argv(server, table, "--cache", str(cache), "--trace", str(trace))) == 0
    second = capsys.readouterr().out
    assert len(server.chat_requests) == 2  # nothing new reached the server
    assert second.split("\n\n")[:2] == first.split("\n\n")[:2]  # same plan, same answer
    assert second.strip().endswith("2 cached")
    events = read_trace(trace)
    kinds = [e["event"] for e in events]
    assert kinds.count("cache_hit") == 2 and "request" not in kinds
    hits = [e for e in events if e["event"] == "cache_hit"]  # the replayed answers, in order
    assert hits[0]["content"] == "Gentoo." and hits[0]["calls"] == []
    assert hits[1]["calls"][0][1] == arguments(HEAVIEST)


def test_a_failure_exits_1_with_diagnostics_and_footer(
    server: FakeOpenAI, table: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(Text("no idea"), Text("still none"))
    trace = tmp_path / "failed.jsonl"
    code = run_cli(_argv(server, table, "--max-attempts", "2", "--trace", str(trace)))
    err = capsys.readouterr().err
    assert code == 1
    assert "error[E503]: no valid plan after 2 attempts" in err and "E501" in err
    assert "model m · 2 attempts" in err and err.count("failed") == 1
    assert read_trace(trace)[-1]["event"] == "failed"


def test_no_key_and_no_server_is_an_authentication_error(
    table: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    assert run_cli(["ask", QUESTION, "--table", table]) == 1
    err = capsys.readouterr().err
    assert "error[E505]" in err and "OPENAI_API_KEY" in err


def test_the_profile_and_env_base_url_are_used(
    server: FakeOpenAI, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    root = Path(__file__).resolve().parents[2]
    plan = "DERIVE gap = SUB_ABS(bill_length_mm, bill_depth_mm)\nLIMIT 1"
    from pesql.runtime.llm.profile import Profile

    profile = root / "examples" / "profiles" / "abs_diff.toml"
    server.script(ToolCall(arguments(plan, Profile.load(profile).naming)))
    assert run_cli(["ask", QUESTION, "--table", table, "--profile", str(profile)]) == 0
    assert "ABS_DIFF" in str(server.chat_requests[0].body["tools"])
