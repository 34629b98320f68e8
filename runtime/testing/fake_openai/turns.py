"""Scripted turns of the local OpenAI-compatible test server: what the "model" answers next.

Each chat completion request consumes one turn: an answer (Text, ToolCall, Message), an HTTP
error (Status), a wait (Delay), a hang-up (Drop) or a verbatim body (Malformed).

Example:
    server.script(Delay(0.05, then=Text("late")), Status(429, retry_after=0.001), Drop())
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Literal, TypeAlias

# Upper bounds on scripted waits, so a mistaken script slows a test down but never hangs it.
MAX_DELAY = 10.0
MAX_CHUNK_DELAY = 2.0
FinishReason: TypeAlias = Literal["stop", "length", "tool_calls", "content_filter"]


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts to report instead of the default estimate (ceil(characters / 4))."""

    prompt_tokens: int
    completion_tokens: int

    def as_json(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


@dataclass(frozen=True, slots=True)
class Chunking:
    """How a streamed answer is cut: `chars` per delta, `delay` seconds before every SSE event,
    and optionally a dropped connection after `drop_after` events (no `[DONE]`)."""

    chars: int = 16
    delay: float = 0.0
    drop_after: int | None = None

    def __post_init__(self) -> None:
        if self.chars < 1 or not 0 <= self.delay <= MAX_CHUNK_DELAY:
            raise ValueError(f"Chunking needs chars >= 1 and 0 <= delay <= {MAX_CHUNK_DELAY}")
        if self.drop_after is not None and self.drop_after < 0:
            raise ValueError("Chunking.drop_after must be >= 0")


@dataclass(frozen=True, slots=True)
class ToolCall:
    """The assistant calls one function; `arguments` is sent verbatim (a dict is JSON-encoded).

    `name=None` takes the function forced by `tool_choice`, else the request's only tool."""

    arguments: str | dict[str, Any]
    name: str | None = None
    _: KW_ONLY
    id: str | None = None
    finish_reason: FinishReason = "tool_calls"
    usage: Usage | None = None
    chunking: Chunking = Chunking()


@dataclass(frozen=True, slots=True)
class Text:
    """The assistant answers with text content."""

    content: str
    _: KW_ONLY
    finish_reason: FinishReason = "stop"
    usage: Usage | None = None
    chunking: Chunking = Chunking()


@dataclass(frozen=True, slots=True)
class Message:
    """The general assistant message: content and/or several (parallel) tool calls.

    Only name, arguments and id of each ToolCall are used; finish_reason defaults to
    "tool_calls" when there are calls, else "stop"."""

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    _: KW_ONLY
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    chunking: Chunking = Chunking()


@dataclass(frozen=True, slots=True)
class Status:
    """An HTTP error with OpenAI's error body; `retry_after` (seconds) sets `retry-after-ms` and
    `retry-after`. The SDK ignores a retry-after of 0 and backs off 0.5-8 s, so use e.g. 0.001."""

    status: int
    message: str | None = None
    _: KW_ONLY
    type: str | None = None
    code: str | None = None
    param: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    retry_after: float | None = None

    def __post_init__(self) -> None:
        if not 400 <= self.status <= 599:
            raise ValueError(f"Status needs an error code 400-599, got {self.status}")


@dataclass(frozen=True, slots=True)
class Delay:
    """Wait `seconds` (at most MAX_DELAY) before anything is sent, then answer with `then`."""

    seconds: float
    then: Turn

    def __post_init__(self) -> None:
        if not 0 <= self.seconds <= MAX_DELAY:
            raise ValueError(f"Delay must be between 0 and {MAX_DELAY} seconds")
        check_turn(self.then)


@dataclass(frozen=True, slots=True)
class Drop:
    """Close the connection without sending any response."""


@dataclass(frozen=True, slots=True)
class Malformed:
    """Send `body` verbatim as the response (default: a 200 that claims to be JSON)."""

    body: str | bytes
    _: KW_ONLY
    status: int = 200
    content_type: str = "application/json"


Turn: TypeAlias = Text | ToolCall | Message | Status | Delay | Drop | Malformed
TURN_TYPES = (Text, ToolCall, Message, Status, Delay, Drop, Malformed)
Responder: TypeAlias = Callable[[dict[str, Any]], Turn]


def check_turn(turn: object) -> None:
    if not isinstance(turn, TURN_TYPES):
        raise TypeError(f"not a FakeOpenAI turn: {turn!r}")
