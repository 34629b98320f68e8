"""Chat completion JSON of the local OpenAI-compatible test server, whole or as SSE chunks.

Builds OpenAI-shaped answers from a scripted turn; the HTTP layer (`fake_http`) only sends them.

Example:
    message = as_message(Text("hi"), request_json)
    completion(message, request_json, number=1)["choices"][0]["message"]["content"]  # "hi"
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from pesql.runtime.testing.fake_openai.routes import ApiError
from pesql.runtime.testing.fake_openai.turns import Message, Status, Text, ToolCall, Usage

FINGERPRINT = "fp_fake_openai"


def check_chat_request(body: Any) -> None:
    # Rejected like the real API does, and before a turn is consumed: the model never saw it.
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    if not isinstance(body.get("model"), str):
        raise ApiError(400, "you must provide a model parameter", param="model")
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        raise ApiError(400, "'messages' must be a non-empty array.", param="messages")


def error_body(turn: Status) -> dict[str, Any]:
    kind = "requests" if turn.status == 429 else None
    kind = kind or ("server_error" if turn.status >= 500 else "invalid_request_error")
    code = turn.code or ("rate_limit_exceeded" if turn.status == 429 else None)
    message = turn.message or f"Scripted error {turn.status} from FakeOpenAI."
    return ApiError(
        turn.status, message, type=turn.type or kind, param=turn.param, code=code
    ).body()


def status_headers(turn: Status) -> dict[str, str]:
    headers = dict(turn.headers)
    if turn.retry_after is not None:
        headers["retry-after-ms"] = f"{turn.retry_after * 1000:g}"
        headers["retry-after"] = str(math.ceil(turn.retry_after))
    return headers


def as_message(turn: Text | ToolCall | Message, body: dict[str, Any]) -> Message:
    """Every answer as one Message, with tool names resolved against the request."""
    match turn:
        case Text():
            message = Message(
                turn.content,
                finish_reason=turn.finish_reason,
                usage=turn.usage,
                chunking=turn.chunking,
            )
        case ToolCall():
            message = Message(
                None,
                (turn,),
                finish_reason=turn.finish_reason,
                usage=turn.usage,
                chunking=turn.chunking,
            )
        case Message():
            message = turn
    calls = tuple(
        ToolCall(call.arguments, call.name or _only_tool(body), id=call.id)
        for call in message.tool_calls
    )
    reason = message.finish_reason or ("tool_calls" if calls else "stop")
    return Message(
        message.content, calls, finish_reason=reason, usage=message.usage, chunking=message.chunking
    )


def _only_tool(body: dict[str, Any]) -> str:
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return str(choice["function"].get("name"))
    tools = body.get("tools") or []
    names = [t.get("function", {}).get("name") for t in tools if isinstance(t, dict)]
    if len(names) == 1 and isinstance(names[0], str):
        return names[0]
    raise ApiError(
        500,
        f"FakeOpenAI: a ToolCall without a name needs a request that forces one function "
        f"(tool_choice) or defines exactly one tool; this one defines {len(names)}.",
        type="fake_openai_script_error",
    )


def _arguments(call: ToolCall) -> str:
    args = call.arguments
    return args if isinstance(args, str) else json.dumps(args)


def _usage(message: Message, body: dict[str, Any]) -> dict[str, int]:
    """Explicit usage, else ceil(characters / 4) of the prompt (messages + tools) and answer."""
    if message.usage is not None:
        return message.usage.as_json()
    prompt = json.dumps([body.get("messages"), body.get("tools")], separators=(",", ":"))
    answer = (message.content or "") + "".join(
        f"{call.name}{_arguments(call)}" for call in message.tool_calls
    )
    return Usage(math.ceil(len(prompt) / 4), math.ceil(len(answer) / 4)).as_json()


def _tool_calls_json(message: Message, number: int) -> list[dict[str, Any]]:
    return [
        {
            "id": call.id or f"call_{number}_{index}",
            "type": "function",
            "function": {"name": call.name, "arguments": _arguments(call)},
        }
        for index, call in enumerate(message.tool_calls)
    ]


def _envelope(body: dict[str, Any], number: int, kind: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{number}",
        "object": kind,
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": FINGERPRINT,
    }


def completion(message: Message, body: dict[str, Any], number: int) -> dict[str, Any]:
    reply: dict[str, Any] = {"role": "assistant", "content": message.content, "refusal": None}
    if message.tool_calls:
        reply["tool_calls"] = _tool_calls_json(message, number)
    choice = {
        "index": 0,
        "message": reply,
        "logprobs": None,
        "finish_reason": message.finish_reason,
    }
    return {
        **_envelope(body, number, "chat.completion"),
        "choices": [choice],
        "usage": _usage(message, body),
    }


def completion_chunks(message: Message, body: dict[str, Any], number: int) -> list[dict[str, Any]]:
    """SSE chunks as OpenAI streams them: role, content deltas, per call a header then argument
    deltas, an empty delta with finish_reason, then (stream_options.include_usage) usage."""
    options = body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    envelope = _envelope(body, number, "chat.completion.chunk")
    usage_field = {"usage": None} if include_usage else {}
    size = message.chunking.chars

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**envelope, "choices": [choice], **usage_field}

    def pieces(text: str) -> list[str]:
        return [text[i : i + size] for i in range(0, len(text), size)]

    first = "" if message.content is not None else None
    chunks = [chunk({"role": "assistant", "content": first, "refusal": None})]
    chunks += [chunk({"content": piece}) for piece in pieces(message.content or "")]
    for index, call in enumerate(_tool_calls_json(message, number)):
        function = call["function"]
        header = {**call, "index": index, "function": {"name": function["name"], "arguments": ""}}
        chunks.append(chunk({"tool_calls": [header]}))
        chunks += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            for piece in pieces(function["arguments"])
        ]
    chunks.append(chunk({}, message.finish_reason))
    if include_usage:
        chunks.append({**envelope, "choices": [], "usage": _usage(message, body)})
    return chunks
