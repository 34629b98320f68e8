"""Faults of the model service: each is retried within bounds or reported as E50x, never a hang."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest
from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.llm.ask import AskError, ask, ask_async
from pesql.runtime.llm.client import Failure, RetryPolicy, complete
from pesql.runtime.testing.fake_openai.server import (
    Chunking,
    Delay,
    Drop,
    FakeOpenAI,
    Malformed,
    Status,
    ToolCall,
)

from tests.runtime.ask_fixtures import FAST, arguments, penguins, server

__all__ = ["server"]

GOOD = ToolCall(arguments("LIMIT 2"))


def _ask(server: FakeOpenAI, **profile: object) -> object:
    return ask("q", penguins(), server.client(), "m", dataclasses.replace(FAST, **profile))


def _kinds(server: FakeOpenAI, **profile: object) -> list[str]:
    result = ask("q", penguins(), server.client(), "m", dataclasses.replace(FAST, **profile))
    assert result.frame.height == 2 and result.attempts == 1
    return [e.data["kind"] for e in result.trace.of("transport_error")]


@pytest.mark.parametrize(
    ("turns", "kinds"),
    [
        (
            (Status(429, retry_after=0.001), Status(500), Status(503)),
            ["rate_limit", "server", "server"],
        ),
        ((Drop(),), ["connection"]),
        (
            (ToolCall(arguments("LIMIT 2"), chunking=Chunking(chars=4, drop_after=3)),),
            ["connection"],
        ),
        ((Malformed('{"not": "a completion"'),), ["malformed"]),
        ((Malformed('{"not": "a completion"}'),), ["malformed"]),
        ((Malformed(b"\x00\xff garbage", content_type="text/event-stream"),), ["malformed"]),
    ],
    ids=["429-500-503", "drop", "drop mid-stream", "invalid json", "no choices", "garbage sse"],
)
def test_transient_failures_are_retried(
    server: FakeOpenAI, turns: tuple[object, ...], kinds: list[str]
) -> None:
    server.script(*turns, GOOD)  # type: ignore[arg-type]
    assert _kinds(server) == kinds
    assert server.unconsumed == ()


@pytest.mark.parametrize(
    "turn",
    [Malformed('{"not": "a completion"'), Malformed('{"not": "a completion"}')],
    ids=["invalid json", "no choices"],
)
def test_malformed_bodies_without_streaming(server: FakeOpenAI, turn: Malformed) -> None:
    server.script(turn, GOOD)
    assert _kinds(server, stream=False) == ["malformed"]


def test_retry_after_zero_means_now_not_the_sdk_backoff(server: FakeOpenAI) -> None:
    server.script(*[Status(429, headers={"Retry-After": "0"})] * 3, GOOD)
    started = time.monotonic()
    kinds = _kinds(server, backoff_s=2.0, backoff_max_s=2.0)
    assert kinds == ["rate_limit"] * 3 and time.monotonic() - started < 1.5


def test_retry_after_is_honoured(server: FakeOpenAI) -> None:
    server.script(Status(429, retry_after=0.2), GOOD)
    started = time.monotonic()
    result = ask("q", penguins(), server.client(), "m", FAST)
    assert [e.data["delay_s"] for e in result.trace.of("retry")] == [pytest.approx(0.2)]
    assert server.chat_requests[1].at - server.chat_requests[0].at >= 0.2
    assert time.monotonic() - started < 3


def test_a_slow_response_times_out_and_the_retry_succeeds(server: FakeOpenAI) -> None:
    server.script(Delay(2.0, then=GOOD), GOOD)
    started = time.monotonic()
    assert _kinds(server, timeout_s=0.3) == ["timeout"]
    assert time.monotonic() - started < 1.5


def test_a_trickling_stream_is_bounded_by_the_request_timeout(server: FakeOpenAI) -> None:
    slow = ToolCall(arguments("LIMIT 2"), chunking=Chunking(chars=2, delay=0.05))
    server.script(slow, GOOD)
    started = time.monotonic()
    assert _kinds(server, timeout_s=0.4) == ["timeout"]
    assert time.monotonic() - started < 2


def test_transport_retries_are_bounded(server: FakeOpenAI) -> None:
    server.script(*[Status(500)] * 3)
    with pytest.raises(AskError) as caught:
        _ask(server, max_retries=2)
    assert caught.value.codes == ("E502",) and "after 3 tries" in str(caught.value)
    assert len(server.chat_requests) == 3


def test_a_server_that_says_do_not_retry_is_believed(server: FakeOpenAI) -> None:
    server.script(Status(503, headers={"x-should-retry": "false"}))
    with pytest.raises(AskError) as caught:
        _ask(server)
    assert caught.value.codes == ("E502",) and len(server.chat_requests) == 1


def test_a_rejected_request_is_not_retried(server: FakeOpenAI) -> None:
    server.script(Status(400, "tools are not supported by this model"))
    with pytest.raises(AskError) as caught:
        _ask(server)
    assert caught.value.codes == ("E502",) and "tools are not supported" in str(caught.value)
    assert len(server.chat_requests) == 1


def test_authentication_failure_is_plain_and_not_retried() -> None:
    with FakeOpenAI(api_key="secret") as locked:
        with pytest.raises(AskError) as caught:
            ask("q", penguins(), locked.client(api_key="wrong"), "m", FAST)
        assert caught.value.codes == ("E505",)
        assert "rejected the credentials" in str(caught.value)
        assert len(locked.chat_requests) == 1


def test_the_deadline_bounds_everything(server: FakeOpenAI) -> None:
    server.script(*[Delay(0.4, then=Status(500))] * 6)
    started = time.monotonic()
    with pytest.raises(AskError) as caught:
        _ask(server, deadline_s=1.0, max_retries=10)
    assert caught.value.codes == ("E502",)
    assert time.monotonic() - started < 2.5


def test_a_retry_after_past_the_deadline_fails_at_once(server: FakeOpenAI) -> None:
    server.script(Status(429, retry_after=60))
    started = time.monotonic()
    with pytest.raises(AskError) as caught:
        _ask(server, deadline_s=5.0)
    assert "past the deadline" in str(caught.value) or "pass the deadline" in str(caught.value)
    assert time.monotonic() - started < 1


def test_async_timeouts_and_drops(server: FakeOpenAI) -> None:
    server.script(Delay(2.0, then=GOOD), Drop(), GOOD)
    profile = dataclasses.replace(FAST, timeout_s=0.3)

    async def main() -> list[str]:
        async with server.async_client() as client:
            result = await ask_async("q", penguins(), client, "m", profile)
        return [e.data["kind"] for e in result.trace.of("transport_error")]

    assert asyncio.run(main()) == ["timeout", "connection"]


def test_complete_never_raises_for_a_dead_server() -> None:
    with FakeOpenAI() as gone:
        client = gone.client()
    outcome = complete(
        client, {"model": "m", "messages": [{"role": "user", "content": "q"}]}, timeout_s=1.0
    )
    assert isinstance(outcome, Failure) and outcome.kind == "connection" and outcome.retryable


def test_backoff_grows_and_is_capped() -> None:
    import random

    policy = RetryPolicy(max_retries=9, backoff_s=0.5, backoff_max_s=4.0)
    failure = Failure("server", "boom")
    delays = [policy.delay(n, failure, random.Random(0)) for n in range(6)]
    assert all(
        0.75 * min(0.5 * 2**n, 4.0) <= d <= min(0.5 * 2**n, 4.0) for n, d in enumerate(delays)
    )
    assert policy.delay(3, Failure("rate_limit", "x", 429, 0.0), random.Random(0)) == 0.0


def test_the_deadline_covers_repair_and_stops_it(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reply that keeps repair busy (issue 23: a 110-character reply ran 150 s past a 20 s
    deadline) ends the question at its deadline with E303, and the repair stops."""
    import threading

    from pesql.runtime.llm import session

    def endless_repair(*args: object, **kwargs: object) -> object:
        while True:  # pure Python work, as repair's: interruptible at any bytecode
            sum(range(1000))

    monkeypatch.setattr(session, "repair", endless_repair)
    server.script(GOOD)
    started = time.monotonic()
    with pytest.raises(AskError) as caught:
        _ask(server, deadline_s=1.0)
    assert caught.value.codes == ("E303",)
    assert "repairing the model's reply" in str(caught.value)
    assert time.monotonic() - started < 2.5
    settle = time.monotonic() + 5
    # Worker threads (pesql-*); the budgets' one long-lived watchdog is not one.
    while any(
        t.name.startswith("pesql-") and t.name != "pesql-watchdog" for t in threading.enumerate()
    ):
        assert time.monotonic() < settle, "the repair thread kept running"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("question", "problem"),
    [("how many \ud800?", "lone surrogate '\\ud800' at character 10"), (" \n\t", "it is empty")],
    ids=["lone surrogate", "blank"],
)
def test_a_question_that_cannot_be_sent_is_refused_before_any_request(
    server: FakeOpenAI, question: str, problem: str
) -> None:
    """Issue 21: a question the client cannot encode was retried as a failing service for ~7 s
    before E502. It is now E507 at once, and the model is never asked."""
    server.script(GOOD)
    with pytest.raises(PesqlError) as caught:
        ask(question, penguins(), server.client(), "m", FAST)
    assert caught.value.codes == ("E507",)
    assert problem in str(caught.value)
    assert server.chat_requests == []
    with pytest.raises(TypeError, match="the question must be a str, not bytes"):
        ask(b"how many?", penguins(), server.client(), "m", FAST)  # type: ignore[arg-type]


def test_a_runaway_reply_is_cut_at_max_reply_chars(server: FakeOpenAI) -> None:
    """A reply past `max_reply_chars` is not read further (the stream is closed, so a real
    server stops generating) and the model is told so (E501); the next answer is used."""
    runaway = ToolCall('{"steps": [' + ", ".join(['"LIMIT 1"'] * 20_000) + "]}")
    server.script(runaway, GOOD)
    started = time.monotonic()
    result = _ask(server, max_reply_chars=5_000)
    assert result.attempts == 2 and result.frame.height == 2
    assert time.monotonic() - started < 5
    sent_back = server.chat_requests[1].body["messages"][-1]["content"]
    assert "E501" in sent_back and "passed 5,000 characters" in sent_back
    # Not streamed: the whole reply is there, and it is refused the same way.
    server.script(runaway, GOOD)
    assert _ask(server, max_reply_chars=5_000, stream=False).attempts == 2
    with pytest.raises(PesqlError, match="max_reply_chars"):
        dataclasses.replace(FAST, max_reply_chars=10)
