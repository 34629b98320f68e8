"""The model service: client construction, one chat request, and what came back (or went wrong).

    >>> from pesql.runtime.testing.fake_openai.server import FakeOpenAI, Status, ToolCall
    >>> body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "top five"}]}
    >>> with FakeOpenAI() as server:  # a local OpenAI-compatible server: docs/testing.md
    ...     server.script(ToolCall('{"steps": []}', name="query_table"), Status(429, retry_after=2))
    ...     client = make_client(base_url=server.base_url, api_key="none")
    ...     reply = complete(client, body, timeout_s=30.0)
    ...     failure = complete(client, body, timeout_s=30.0)  # the next answer is a 429
    >>> reply.calls if isinstance(reply, Reply) else reply.kind
    (FunctionCall(id='call_1_0', name='query_table', arguments='{"steps": []}'),)
    >>> failure.kind, failure.status, failure.retry_after_s, failure.retryable
    ('rate_limit', 429, 2.0, True)

`complete` sends exactly one request: the SDK's own retries are switched off (`without_retries`)
because the ask loop retries itself, so it can honour `Retry-After: 0` (the SDK treats it as
unset), respect one deadline for the whole question, and trace every try. Every failure becomes
a `Failure` value (see `llm_failures`) with a kind the loop decides on; nothing from the SDK
escapes as an exception. Answers are streamed by default to measure the latency to the first
chunk.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import openai
from pesql.runtime.llm.failures import Failure, RetryPolicy, classify

__all__ = [
    "Failure",
    "FunctionCall",
    "Reply",
    "RetryPolicy",
    "complete",
    "complete_async",
    "make_client",
    "without_retries",
]

AZURE_API_VERSION = "2024-10-21"  # a GA version with tools and tool_choice
ClientT = TypeVar("ClientT", openai.OpenAI, openai.AsyncOpenAI)


@dataclass(frozen=True, slots=True)
class FunctionCall:
    id: str
    name: str
    arguments: str


def written_answer(content: str | None, arguments: Sequence[str]) -> str:
    """What a model answered: its first function call's arguments, else its message text."""
    return arguments[0] if arguments else content or ""


@dataclass(frozen=True, slots=True)
class Reply:
    """One assistant message with its usage (None when the server sent none) and latencies."""

    content: str | None
    calls: tuple[FunctionCall, ...]
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    model: str | None
    ttfb_s: float
    total_s: float
    cut: bool = False  # the reply passed max_chars and was not read further

    @property
    def written(self) -> str:
        """The answer as the model wrote it (`written_answer`)."""
        return written_answer(self.content, [c.arguments for c in self.calls])

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}
        out["calls"] = [[c.id, c.name, c.arguments] for c in self.calls]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reply:
        values = {k: data[k] for k in cls.__slots__ if k != "cut"}
        values["cut"] = bool(data.get("cut", False))  # absent in older cache entries
        values["calls"] = tuple(FunctionCall(*c) for c in data["calls"])
        return cls(**values)


def make_client(
    base_url: str | None = None,
    api_key: str | None = None,
    *,
    timeout_s: float = 60.0,
    asynchronous: bool = False,
) -> openai.OpenAI | openai.AsyncOpenAI:
    """A client from arguments or the environment.

    - OpenAI-compatible servers (vLLM, Ollama, llama.cpp): `base_url` or OPENAI_BASE_URL; with
      no key a placeholder is sent, since local servers need none.
    - Azure OpenAI: AZURE_OPENAI_ENDPOINT (+ AZURE_OPENAI_API_KEY, OPENAI_API_VERSION) when no
      base URL is given; the model name is then the deployment name.
    - OpenAI: OPENAI_API_KEY is required (E505 without it).
    """
    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    api_key = api_key or os.environ.get("OPENAI_API_KEY") or None
    azure = os.environ.get("AZURE_OPENAI_ENDPOINT")
    if base_url is None and azure:
        kind_azure = openai.AsyncAzureOpenAI if asynchronous else openai.AzureOpenAI
        return kind_azure(
            azure_endpoint=azure,
            api_key=os.environ.get("AZURE_OPENAI_API_KEY") or api_key,
            api_version=os.environ.get("OPENAI_API_VERSION") or AZURE_API_VERSION,
            timeout=timeout_s,
            max_retries=0,
        )
    if api_key is None and base_url is None:
        from pesql.grammar.diagnostics import Diagnostic, PesqlError

        hint = "set OPENAI_API_KEY, or --base-url for a local OpenAI-compatible server"
        raise PesqlError([Diagnostic.make("E505", problem="no API key", hints=(hint,))])
    kind = openai.AsyncOpenAI if asynchronous else openai.OpenAI
    return kind(base_url=base_url, api_key=api_key or "none", timeout=timeout_s, max_retries=0)


def without_retries(client: ClientT) -> ClientT:
    """The same client (shared connection pool) with the SDK's retries off: the loop retries."""
    return client.with_options(max_retries=0)


class _Cut(Exception):
    """The reply passed its size cap: stop reading the stream."""


class _Assembler:
    """Builds a Reply from stream chunks or from one complete response."""

    def __init__(self, started: float, max_chars: int | None = None) -> None:
        self.started = started
        self.max_chars, self.size, self.cut = max_chars, 0, False
        self.first: float | None = None
        self.content: list[str] = []
        self.calls: dict[int, list[str]] = {}  # index -> [id, name, arguments]
        self.finish: str | None = None
        self.usage: Any = None
        self.model: str | None = None
        self.saw_choice = False

    def chunk(self, chunk: Any) -> None:
        if self.first is None:
            self.first = time.monotonic()
        self.model = getattr(chunk, "model", None) or self.model
        self.usage = getattr(chunk, "usage", None) or self.usage
        for choice in getattr(chunk, "choices", None) or ():
            self.saw_choice = True
            delta = choice.delta
            if delta is not None:
                self.content.append(delta.content or "")
                for call in delta.tool_calls or ():
                    slot = self.calls.setdefault(call.index or 0, ["", "", ""])
                    slot[0] = call.id or slot[0]
                    if call.function is not None:
                        slot[1] += call.function.name or ""
                        slot[2] += call.function.arguments or ""
            self.finish = choice.finish_reason or self.finish
            if delta is not None and self.max_chars is not None:
                self.size += len(delta.content or "") + sum(
                    len(c.function.arguments or "") for c in delta.tool_calls or () if c.function
                )
                if self.size > self.max_chars:
                    self.cut = True
                    raise _Cut

    def completion(self, response: Any) -> Reply | Failure:
        self.first = time.monotonic()
        choices = getattr(response, "choices", None)
        if not choices:
            return Failure("malformed", "the response has no choices")
        message = choices[0].message
        for i, call in enumerate(getattr(message, "tool_calls", None) or ()):
            function = getattr(call, "function", None)
            if function is not None:
                self.calls[i] = [call.id or "", function.name or "", function.arguments or ""]
        self.content.append(getattr(message, "content", None) or "")
        self.finish, self.saw_choice = choices[0].finish_reason, True
        size = len(self.content[-1]) + sum(len(c[2]) for c in self.calls.values())
        self.cut = self.max_chars is not None and size > self.max_chars
        self.model, self.usage = getattr(response, "model", None), response.usage
        return self.reply()

    def reply(self) -> Reply | Failure:
        if not self.saw_choice:
            return Failure("malformed", "the answer has no choices (an empty or unreadable body)")
        now = time.monotonic()
        calls = tuple(FunctionCall(*self.calls[i]) for i in sorted(self.calls))
        usage = self.usage
        return Reply(
            content="".join(self.content) or None,
            calls=calls,
            finish_reason=self.finish,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            model=self.model,
            ttfb_s=(self.first or now) - self.started,
            total_s=now - self.started,
            cut=self.cut,
        )


@functools.cache
def _known_parameters() -> frozenset[str]:
    """The keyword arguments the installed openai client's `create` accepts."""
    from openai.resources.chat.completions import Completions

    return frozenset(inspect.signature(Completions.create).parameters) - {"self"}


def _options(body: Mapping[str, Any], stream: bool, timeout_s: float) -> dict[str, Any]:
    """`create`'s keyword arguments: a server's own fields (llama-server's `grammar`, a
    profile's `extra`) travel in `extra_body`, which the client merges into the JSON."""
    known = _known_parameters()
    options = {k: v for k, v in body.items() if k in known}
    extra = {k: v for k, v in body.items() if k not in known}
    if extra:
        options["extra_body"] = extra
    options["timeout"] = timeout_s
    if stream:
        options.update(stream=True, stream_options={"include_usage": True})
    return options


def complete(
    client: openai.OpenAI,
    body: Mapping[str, Any],
    *,
    timeout_s: float,
    stream: bool = True,
    max_chars: int | None = None,
) -> Reply | Failure:
    """Send one chat completion request; never raises for anything the service does. A
    streamed reply longer than `max_chars` is closed there and returned with `cut`."""
    started = time.monotonic()
    assembler = _Assembler(started, max_chars)
    try:
        response: Any = client.chat.completions.create(**_options(body, stream, timeout_s))
        if not stream:
            return assembler.completion(response)
        try:
            for chunk in response:
                assembler.chunk(chunk)
                # A server that trickles chunks never trips the per-read timeout: bound the total.
                if time.monotonic() - started > timeout_s:
                    return Failure("timeout", f"the answer took longer than {timeout_s:g} s")
        except _Cut:
            pass  # closing the stream tells the server to stop generating
        finally:
            response.close()
    except Exception as exc:  # the SDK raises many types for a broken answer: see classify
        return classify(exc)
    return assembler.reply()


async def complete_async(
    client: openai.AsyncOpenAI,
    body: Mapping[str, Any],
    *,
    timeout_s: float,
    stream: bool = True,
    max_chars: int | None = None,
) -> Reply | Failure:
    """`complete` for an AsyncOpenAI client; the whole request is bounded by `timeout_s`."""
    started = time.monotonic()
    assembler = _Assembler(started, max_chars)

    async def run() -> Reply | Failure:
        response: Any = await client.chat.completions.create(**_options(body, stream, timeout_s))
        if not stream:
            return assembler.completion(response)
        try:
            async for chunk in response:
                assembler.chunk(chunk)
        except _Cut:
            pass  # closing the stream tells the server to stop generating
        finally:
            await response.close()
        return assembler.reply()

    try:
        return await asyncio.wait_for(run(), timeout_s)
    except Exception as exc:  # asyncio.TimeoutError is TimeoutError: classified as a timeout
        return classify(exc)
