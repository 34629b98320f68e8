"""The local OpenAI-compatible server, exercised only through the real `openai` client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from pesql.runtime.testing.fake_openai.finetune import JobFails
from pesql.runtime.testing.fake_openai.server import (
    Chunking,
    Delay,
    Drop,
    FakeOpenAI,
    Malformed,
    Message,
    Status,
    Text,
    ToolCall,
    Usage,
)

ASK: list[Any] = [{"role": "user", "content": "Which species has the heaviest penguins?"}]
PLAN_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "query_table",
        "description": "Run a p-SQL plan",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {"steps": {"type": "array", "items": {"type": "object"}}},
            "required": ["steps"],
            "additionalProperties": False,
        },
    },
}
OTHER_TOOL: Any = {
    "type": "function",
    "function": {"name": "describe_table", "parameters": {"type": "object", "properties": {}}},
}
FORCE_PLAN: Any = {"type": "function", "function": {"name": "query_table"}}
TRAINING = b'{"messages": [{"role": "user", "content": "hi"}]}\n' * 10


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as running:
        yield running


def test_tool_call_round_trip_records_the_request(server: FakeOpenAI) -> None:
    server.script(ToolCall(arguments='{"steps": []}', name="query_table"))
    reply = server.client().chat.completions.create(
        model="gpt-4o-mini", messages=ASK, tools=[PLAN_TOOL], tool_choice=FORCE_PLAN
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls or []
    assert call.type == "function"
    assert (call.function.name, call.function.arguments) == ("query_table", '{"steps": []}')
    assert reply.model == "gpt-4o-mini"
    assert reply.usage is not None
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.body["messages"] == ASK
    assert request.body["tools"] == [PLAN_TOOL]
    assert request.body["tool_choice"] == FORCE_PLAN
    assert request.headers["authorization"] == "<redacted>"
    assert request.retry_count == 0
    assert server.unconsumed == ()


def test_usage_estimate_is_deterministic(server: FakeOpenAI) -> None:
    server.script(Text("four"), Text("four"))
    first = server.client().chat.completions.create(model="m", messages=ASK).usage
    second = server.client().chat.completions.create(model="m", messages=ASK).usage
    assert first == second
    assert first is not None and first.completion_tokens == 1  # ceil(4 characters / 4)


def test_tool_name_defaults_to_the_forced_or_only_tool(server: FakeOpenAI) -> None:
    server.script(ToolCall({"steps": [{"op": "LIMIT", "n": 3}]}), ToolCall("{}"), ToolCall("{}"))
    client = server.client()
    forced = client.chat.completions.create(
        model="m", messages=ASK, tools=[OTHER_TOOL, PLAN_TOOL], tool_choice=FORCE_PLAN
    )
    (call,) = forced.choices[0].message.tool_calls or []
    assert call.function.name == "query_table"
    assert json.loads(call.function.arguments) == {"steps": [{"op": "LIMIT", "n": 3}]}
    only = client.chat.completions.create(model="m", messages=ASK, tools=[OTHER_TOOL])
    assert (only.choices[0].message.tool_calls or [])[0].function.name == "describe_table"
    with pytest.raises(openai.InternalServerError, match="needs a request that forces"):
        client.chat.completions.create(model="m", messages=ASK, tools=[OTHER_TOOL, PLAN_TOOL])


def test_strict_tools_do_not_constrain_scripted_arguments(server: FakeOpenAI) -> None:
    # PLAN_TOOL is strict and requires "steps"; the fake returns whatever the test scripted.
    server.script(ToolCall('{"stepz": 1', name="query_table"))
    reply = server.client().chat.completions.create(model="m", messages=ASK, tools=[PLAN_TOOL])
    assert (reply.choices[0].message.tool_calls or [])[0].function.arguments == '{"stepz": 1'


def test_parallel_tool_calls_and_explicit_usage(server: FakeOpenAI) -> None:
    calls = (ToolCall("{}", "describe_table"), ToolCall('{"steps": []}', "query_table", id="c9"))
    server.script(Message("Let me look.", calls, usage=Usage(100, 7)))
    reply = server.client().chat.completions.create(model="m", messages=ASK)
    message = reply.choices[0].message
    assert message.content == "Let me look."
    assert [c.function.name for c in message.tool_calls or []] == ["describe_table", "query_table"]
    assert (message.tool_calls or [])[1].id == "c9"
    assert reply.usage is not None
    assert (reply.usage.prompt_tokens, reply.usage.total_tokens) == (100, 107)


def test_async_text_answer_with_length_finish(server: FakeOpenAI) -> None:
    server.script(Text("I think the Gentoo", finish_reason="length"))

    async def ask() -> openai.types.chat.ChatCompletion:
        async with server.async_client() as client:
            return await client.chat.completions.create(model="gpt-4o", messages=ASK)

    reply = asyncio.run(ask())
    assert reply.choices[0].message.content == "I think the Gentoo"
    assert reply.choices[0].finish_reason == "length"
    assert server.requests[0].headers["x-stainless-async"].startswith("async")


def test_stream_tool_call_deltas_reassemble(server: FakeOpenAI) -> None:
    arguments = json.dumps({"steps": [{"op": "GROUP_BY", "keys": ["species"]}]})
    server.script(ToolCall(arguments, "query_table", chunking=Chunking(chars=5)))
    stream = server.client().chat.completions.create(
        model="m",
        messages=ASK,
        tools=[PLAN_TOOL],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    assert deltas[0].role == "assistant"
    header = (deltas[1].tool_calls or [])[0]
    assert (header.index, header.id, header.function and header.function.name) == (
        0,
        "call_1_0",
        "query_table",
    )
    pieces = [d.tool_calls[0].function.arguments for d in deltas if d.tool_calls]
    assert all(len(p or "") <= 5 for p in pieces)
    assert "".join(p or "" for p in pieces) == arguments
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert server.requests[0].body["stream"] is True


def test_stream_helper_builds_the_final_completion(server: FakeOpenAI) -> None:
    server.script(Message("ok", (ToolCall('{"steps": []}', "query_table"),)))
    with server.client().chat.completions.stream(model="m", messages=ASK) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert message.content == "ok"
    assert [(c.function.name, c.function.arguments) for c in message.tool_calls or []] == [
        ("query_table", '{"steps": []}')
    ]


def test_async_stream_waits_per_chunk_and_can_drop(server: FakeOpenAI) -> None:
    server.script(
        Text("abcdef", chunking=Chunking(chars=2, delay=0.05)),
        Text("abcdef", chunking=Chunking(chars=2, drop_after=2)),
    )

    async def first_chunk_wait_and_text() -> tuple[float, str]:
        async with server.async_client() as client:
            started = time.monotonic()
            stream = await client.chat.completions.create(model="m", messages=ASK, stream=True)
            waited, text = None, ""
            async for chunk in stream:
                waited = waited or time.monotonic() - started
                text += chunk.choices[0].delta.content or ""
            assert waited is not None
            return waited, text

    waited, text = asyncio.run(first_chunk_wait_and_text())
    assert text == "abcdef"
    assert waited >= 0.05  # the scripted delay comes before the first event
    stream = server.client().chat.completions.create(model="m", messages=ASK, stream=True)
    with pytest.raises(openai.APIConnectionError):
        for _ in stream:
            pass


def test_rate_limit_then_success_is_retried_by_the_sdk(server: FakeOpenAI) -> None:
    server.script(Status(429, retry_after=0.001), Text("fine"))
    reply = server.client(max_retries=2).chat.completions.create(model="m", messages=ASK)
    assert reply.choices[0].message.content == "fine"
    assert [r.retry_count for r in server.chat_requests] == [0, 1]


def test_server_error_without_retries(server: FakeOpenAI) -> None:
    server.script(Status(500), Text("never reached"))
    with pytest.raises(openai.InternalServerError) as caught:
        server.client(max_retries=0).chat.completions.create(model="m", messages=ASK)
    assert caught.value.type == "server_error"
    assert len(server.chat_requests) == 1
    assert server.unconsumed == (Text("never reached"),)


@pytest.mark.parametrize(
    ("turn", "error"),
    [
        (Status(400, "bad", param="messages"), openai.BadRequestError),
        (Status(401), openai.AuthenticationError),
        (Status(404, code="model_not_found"), openai.NotFoundError),
        (Status(429, headers={"x-should-retry": "false"}), openai.RateLimitError),
        (Status(503), openai.InternalServerError),
    ],
)
def test_status_turns_raise_typed_sdk_errors(
    server: FakeOpenAI, turn: Status, error: type[openai.APIStatusError]
) -> None:
    server.script(turn)
    retries = 2 if "x-should-retry" in turn.headers else 0
    with pytest.raises(error) as caught:
        server.client(max_retries=retries).chat.completions.create(model="m", messages=ASK)
    assert caught.value.status_code == turn.status
    assert (caught.value.param, caught.value.code) == (turn.param, turn.code or caught.value.code)
    if turn.status == 429:
        assert caught.value.code == "rate_limit_exceeded"
        assert len(server.chat_requests) == 1  # x-should-retry: false overrides max_retries


def test_drop_is_a_connection_error_and_retried(server: FakeOpenAI) -> None:
    server.script(Drop(), Drop(), Text("third time"))
    with pytest.raises(openai.APIConnectionError):
        server.client().chat.completions.create(model="m", messages=ASK)
    # The SDK also retries connection errors (backoff about 0.5 s, its own default).
    reply = server.client(max_retries=1).chat.completions.create(model="m", messages=ASK)
    assert reply.choices[0].message.content == "third time"
    assert len(server.chat_requests) == 3


def test_malformed_bodies_as_the_sdk_sees_them(server: FakeOpenAI) -> None:
    server.script(Malformed('{"not": "a completion"'), Malformed('{"not": "a completion"}'))
    client = server.client()
    # Broken JSON in a 200 surfaces as the stdlib's JSONDecodeError, not an openai error.
    with pytest.raises(json.JSONDecodeError):
        client.chat.completions.create(model="m", messages=ASK)
    # Valid JSON of the wrong shape is not validated: the completion simply lacks choices.
    reply = client.chat.completions.create(model="m", messages=ASK)
    assert reply.choices is None
    assert reply.model_extra == {"not": "a completion"}


def test_delay_answers_late_and_client_timeouts_fire(server: FakeOpenAI) -> None:
    server.script(Delay(0.05, then=Text("late")), Delay(5.0, then=Text("too late")))
    client = server.client()
    started = time.monotonic()
    assert client.chat.completions.create(model="m", messages=ASK).choices[0].message.content
    assert time.monotonic() - started >= 0.05
    with pytest.raises(openai.APITimeoutError):
        server.client(timeout=0.1).chat.completions.create(model="m", messages=ASK)


def test_exhausted_script_is_a_clear_unretried_error(server: FakeOpenAI) -> None:
    server.script(Text("only one"))
    client = server.client(max_retries=3)
    client.chat.completions.create(model="m", messages=ASK)
    with pytest.raises(openai.InternalServerError, match="script ran out") as caught:
        client.chat.completions.create(model="m", messages=ASK)
    assert caught.value.type == "fake_openai_script_exhausted"
    assert len(server.chat_requests) == 2  # x-should-retry: false beat max_retries=3


def test_invalid_requests_are_rejected_before_consuming_a_turn(server: FakeOpenAI) -> None:
    server.script(Text("kept"))
    with pytest.raises(openai.BadRequestError) as caught:
        server.client().chat.completions.create(model="m", messages=[])
    assert caught.value.param == "messages"
    assert server.unconsumed == (Text("kept"),)


def test_unparsable_json_is_an_openai_style_400(server: FakeOpenAI) -> None:
    # The SDK always sends valid JSON, so a raw HTTP client plays the broken integration.
    server.script(Text("kept"))
    answer = httpx.post(f"{server.base_url}/chat/completions", content=b'{"model": ', timeout=5)
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert server.requests[0].body is None
    assert server.unconsumed == (Text("kept"),)


def test_responder_answers_from_the_prompt_after_the_script(server: FakeOpenAI) -> None:
    def echo(request: dict[str, Any]) -> Text:
        return Text("echo: " + request["messages"][-1]["content"])

    server.script(Status(429, retry_after=0.001))
    server.respond_with(echo)
    reply = server.client(max_retries=1).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "ping"}]
    )
    assert reply.choices[0].message.content == "echo: ping"
    assert len(server.chat_requests) == 2


def test_responder_exceptions_are_reraised_when_the_server_stops() -> None:
    def broken(request: dict[str, Any]) -> Text:
        raise KeyError("no such prompt")

    with pytest.raises(RuntimeError, match="no such prompt"), FakeOpenAI() as server:
        server.respond_with(broken)
        with pytest.raises(openai.InternalServerError, match="responder raised"):
            server.client(max_retries=2).chat.completions.create(model="m", messages=ASK)
        assert len(server.chat_requests) == 1
        assert isinstance(server.errors[0], KeyError)


def test_fifty_concurrent_async_requests_are_all_answered(server: FakeOpenAI) -> None:
    server.respond_with(lambda request: Delay(0.02, then=Text(request["messages"][0]["content"])))

    async def ask_all() -> list[str | None]:
        async with server.async_client() as client:
            replies = await asyncio.gather(
                *(
                    client.chat.completions.create(
                        model="m", messages=[{"role": "user", "content": f"q{i}"}]
                    )
                    for i in range(50)
                )
            )
        return [reply.choices[0].message.content for reply in replies]

    assert asyncio.run(ask_all()) == [f"q{i}" for i in range(50)]
    assert len(server.chat_requests) == 50


def test_api_key_is_checked_when_configured() -> None:
    with FakeOpenAI(api_key="secret") as server:
        server.script(Text("welcome"))
        with pytest.raises(openai.AuthenticationError) as caught:
            server.client(api_key="wrong").chat.completions.create(model="m", messages=ASK)
        assert caught.value.code == "invalid_api_key"
        assert server.unconsumed == (Text("welcome"),)  # refused requests consume no turn
        reply = server.client().chat.completions.create(model="m", messages=ASK)
        assert reply.choices[0].message.content == "welcome"
        assert all(r.headers["authorization"] == "<redacted>" for r in server.requests)


def test_script_rejects_non_turns_and_unbounded_delays(server: FakeOpenAI) -> None:
    with pytest.raises(TypeError):
        server.script("hello")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Delay(60, then=Text("x"))
    with pytest.raises(ValueError):
        Chunking(delay=30)
    with pytest.raises(ValueError):
        Status(200)


def test_models_and_unknown_urls(server: FakeOpenAI) -> None:
    client = server.client()
    assert [m.id for m in client.models.list()] == ["gpt-4o-mini", "gpt-4o"]
    assert client.models.retrieve("gpt-4o").owned_by == "fake-openai"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-9")
    with pytest.raises(openai.NotFoundError, match="Unknown request URL"):
        client.embeddings.create(model="m", input="x")


def test_fine_tuning_full_cycle(server: FakeOpenAI) -> None:
    client = server.client()
    uploaded = client.files.create(file=("train.jsonl", TRAINING), purpose="fine-tune")
    assert (uploaded.bytes, uploaded.filename, uploaded.purpose) == (len(TRAINING), "train.jsonl",
                                                                     "fine-tune")  # fmt: skip
    assert client.files.retrieve(uploaded.id).id == uploaded.id
    assert client.files.content(uploaded.id).content == TRAINING
    assert server.requests[0].body == {
        "purpose": "fine-tune",
        "file": {"filename": "train.jsonl", "bytes": len(TRAINING)},
    }

    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=uploaded.id, suffix="pesql"
    )
    statuses = [job.status]
    while statuses[-1] not in ("succeeded", "failed", "cancelled"):
        statuses.append(client.fine_tuning.jobs.retrieve(job.id).status)
    assert statuses == ["validating_files", "queued", "running", "running", "succeeded"]
    done = client.fine_tuning.jobs.retrieve(job.id)
    assert done.fine_tuned_model == f"ft:gpt-4o-mini:pesql:{job.id}"
    assert done.trained_tokens == len(TRAINING) // 4
    assert done.finished_at is not None

    events = list(client.fine_tuning.jobs.list_events(job.id, limit=2))  # auto-paginates
    assert events[0].message == "The job has successfully completed"  # newest first
    metrics = [e.data for e in events if e.type == "metrics"]
    assert [m["step"] for m in metrics] == [2, 1]  # type: ignore[index]
    assert metrics[0]["trained_tokens"] == done.trained_tokens  # type: ignore[index]
    assert done.fine_tuned_model in [m.id for m in client.models.list()]

    other = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=uploaded.id)
    cancelled = client.fine_tuning.jobs.cancel(other.id)
    assert cancelled.status == "cancelled"
    first_page = client.fine_tuning.jobs.list(limit=1)
    assert [j.id for j in first_page.data] == [other.id] and first_page.has_more
    assert [j.id for j in client.fine_tuning.jobs.list(limit=1, after=other.id).data] == [job.id]
    assert [j.id for j in client.fine_tuning.jobs.list()] == [other.id, job.id]

    with pytest.raises(openai.BadRequestError) as caught:
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-missing")
    assert caught.value.param == "training_file"
    with pytest.raises(openai.BadRequestError, match="already cancelled"):
        client.fine_tuning.jobs.cancel(other.id)
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.retrieve("ftjob-missing")


def test_fine_tuning_scripted_failures_and_manual_advance(server: FakeOpenAI) -> None:
    client = server.client()
    good = client.files.create(file=("t.jsonl", TRAINING), purpose="fine-tune").id
    bad = client.files.create(
        file=("b.jsonl", b'{"messages": []}\nnot json\n'), purpose="fine-tune"
    )
    server.script_jobs(JobFails("loss diverged", code="diverged"))
    failing = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=good)
    failed = server.advance_job(failing.id, to="failed")
    assert (failed["status"], failed["error"]["code"]) == ("failed", "diverged")
    sdk_view = client.fine_tuning.jobs.retrieve(failing.id)
    assert sdk_view.error is not None and sdk_view.error.message == "loss diverged"

    invalid = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=bad.id)
    validated = client.fine_tuning.jobs.retrieve(invalid.id)
    assert validated.status == "failed"
    assert validated.error is not None and validated.error.message == "line 2 is not valid JSON"

    quick = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=good)
    assert server.advance_job(quick.id, to="succeeded")["fine_tuned_model"]
    with pytest.raises(ValueError, match="already succeeded"):
        server.advance_job(quick.id, to="running")


def test_shutdown_closes_the_port_and_joins_threads() -> None:
    # Only this server's threads: one another test left running is not this test's subject.
    before = set(threading.enumerate())
    server = FakeOpenAI()
    with server:
        port = server.port
        server.script(Text("hi"))
        server.client().chat.completions.create(model="m", messages=ASK)  # a kept-alive socket
        server.script(Delay(5.0, then=Text("interrupted by stop")))
        pending = threading.Thread(target=_ask_ignoring_errors, args=(server.client(),))
        pending.start()
        while len(server.chat_requests) < 2:
            time.sleep(0.005)
    pending.join(timeout=5)
    assert not pending.is_alive()  # stop() woke the scripted delay instead of waiting it out
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
        pass
    left = set(threading.enumerate()) - before
    assert not [t for t in left if t.name.startswith("fake-openai")]
    server.stop()  # idempotent
    with pytest.raises(RuntimeError):
        server.start()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.base_url


def _ask_ignoring_errors(client: openai.OpenAI) -> None:
    with contextlib.suppress(openai.APIConnectionError):
        client.chat.completions.create(model="m", messages=ASK)
