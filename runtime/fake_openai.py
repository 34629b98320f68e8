"""A scriptable OpenAI-compatible HTTP server on 127.0.0.1, for tests that must not use the network.

Tests drive the real `openai` client against it; each chat completion request consumes one scripted
turn (or asks a responder). Files and fine-tuning live in `pesql.runtime.fake_finetune`.

Example:
    with FakeOpenAI() as server:
        server.script(ToolCall({"steps": []}, name="query_table"), Text("done"))
        ask = [{"role": "user", "content": "hi"}]
        reply = server.client().chat.completions.create(model="m", messages=ask)
        assert reply.choices[0].message.tool_calls[0].function.arguments == '{"steps": []}'

Why the stdlib `ThreadingHTTPServer` and not uvicorn + Starlette: `Drop` must close the TCP
connection without a status line, which ASGI cannot express (uvicorn answers 500 when an app fails
before responding); it needs no optional dependency (`pesql[service]`) for users' own tests; and it
binds synchronously, so `start()` returns a listening port in about a millisecond.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from email.message import Message as MimeHeaders
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, TypeAlias
from urllib.parse import parse_qsl, urlsplit

import openai
from pesql.runtime.fake_finetune import (
    ApiError,
    FineTuneStore,
    JobFails,
    JobOutcome,
    JobStatus,
    JobSucceeds,
    route,
)

__all__ = [
    "MAX_CHUNK_DELAY",
    "MAX_DELAY",
    "Chunking",
    "Delay",
    "Drop",
    "FakeOpenAI",
    "JobFails",
    "JobSucceeds",
    "Malformed",
    "Message",
    "RecordedRequest",
    "Responder",
    "Status",
    "Text",
    "ToolCall",
    "Turn",
    "Usage",
]

# Upper bounds on scripted waits, so a mistaken script slows a test down but never hangs it.
MAX_DELAY = 10.0
MAX_CHUNK_DELAY = 2.0
FINGERPRINT = "fp_fake_openai"
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
        _check_turn(self.then)


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


def _check_turn(turn: object) -> None:
    if not isinstance(turn, TURN_TYPES):
        raise TypeError(f"not a FakeOpenAI turn: {turn!r}")


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as received: headers have lower-case names and the API key redacted."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON; multipart uploads: form fields, files as {filename, bytes}
    at: float  # time.monotonic() on arrival

    @property
    def retry_count(self) -> int:
        """The SDK's own count of retries for this request (header x-stainless-retry-count)."""
        return int(self.headers.get("x-stainless-retry-count", "0"))


_SECRET_HEADERS = frozenset({"authorization", "api-key"})
_NO_RETRY = {"x-should-retry": "false"}  # script errors must not be hidden by SDK retries


class FakeOpenAI:
    """A local OpenAI-compatible server: `with FakeOpenAI() as server: server.client()...`"""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        models: tuple[str, ...] = ("gpt-4o-mini", "gpt-4o"),
        polls_per_step: int = 1,
        training_steps: int = 2,
    ) -> None:
        self.api_key = api_key
        self.models = models
        self.fine_tuning = FineTuneStore(
            polls_per_step=polls_per_step, training_steps=training_steps
        )
        self._lock = threading.Lock()
        self._turns: deque[Turn] = deque()
        self._responder: Responder | None = None
        self._requests: list[RecordedRequest] = []
        self._errors: list[BaseException] = []
        self._completions = 0
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        if self._httpd is not None or self._stopped:
            raise RuntimeError("FakeOpenAI can be started once; create a new one")
        self._httpd = _Server(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # shutdown() waits up to one poll interval
            name="fake-openai-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join every thread (bounded); idempotent."""
        httpd, thread = self._httpd, self._thread
        self._httpd, self._thread, self._stopped = None, None, True
        if httpd is None or thread is None:
            return
        self._stopping.set()  # wakes scripted delays
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections(timeout=2.0)
        thread.join(timeout=2.0)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc is None and self._errors:
            raise RuntimeError(
                f"FakeOpenAI: {len(self._errors)} error(s) while answering; first: "
                f"{self._errors[0]!r}"
            ) from self._errors[0]

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeOpenAI is not running; use `with FakeOpenAI() as server:`")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _client_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        # Tests want failures fast and visible: no silent SDK retries, no 600 s default timeout.
        defaults = {"api_key": self.api_key or "test", "base_url": self.base_url}
        return {**defaults, "max_retries": 0, "timeout": 10.0, **kwargs}

    def client(self, **kwargs: Any) -> openai.OpenAI:
        """An `openai.OpenAI` for this server (max_retries=0, timeout=10 s unless given)."""
        return openai.OpenAI(**self._client_options(kwargs))

    def async_client(self, **kwargs: Any) -> openai.AsyncOpenAI:
        """An `openai.AsyncOpenAI` for this server, with the same defaults as `client()`."""
        return openai.AsyncOpenAI(**self._client_options(kwargs))

    # -- scripting and recording ---------------------------------------------------------
    def script(self, *turns: Turn) -> None:
        """Queue turns; each chat completion request consumes the next one."""
        for turn in turns:
            _check_turn(turn)
        with self._lock:
            self._turns.extend(turns)

    def respond_with(self, responder: Responder | None) -> None:
        """Answer requests the script does not cover by `responder(request_json)`; it may be
        called from several connection threads at once."""
        self._responder = responder

    def script_jobs(self, *outcomes: JobOutcome) -> None:
        """Outcomes (JobSucceeds / JobFails) of the next fine-tuning jobs, in creation order."""
        self.fine_tuning.script_outcomes(*outcomes)

    def advance_job(self, job_id: str, to: JobStatus) -> dict[str, Any]:
        """Move a fine-tuning job forward to `to` now, emitting every event on the way."""
        return self.fine_tuning.advance(job_id, to)

    @property
    def unconsumed(self) -> tuple[Turn, ...]:
        with self._lock:
            return tuple(self._turns)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v1/chat/completions"]

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised by a responder or by the server itself; re-raised on `__exit__`."""
        with self._lock:
            return list(self._errors)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _record_error(self, error: BaseException) -> None:
        with self._lock:
            self._errors.append(error)

    def _take_turn(self, body: dict[str, Any]) -> tuple[int, Turn]:
        """The completion's sequence number and its turn: the script first, then the responder."""
        with self._lock:
            self._completions += 1
            number = self._completions
            turn = self._turns.popleft() if self._turns else None
        if turn is not None:
            return number, turn
        responder = self._responder
        if responder is None:
            raise ApiError(
                500,
                f"FakeOpenAI: the script ran out: chat completion #{number} has no scripted turn "
                f"and no responder is set (use server.script(...) or server.respond_with(...)).",
                type="fake_openai_script_exhausted",
            )
        try:
            turn = responder(body)
            _check_turn(turn)
        except Exception as exc:
            self._record_error(exc)
            raise ApiError(
                500, f"FakeOpenAI: the responder raised {exc!r}", type="fake_openai_responder_error"
            ) from exc
        return number, turn

    def _check_auth(self, headers: Mapping[str, str]) -> None:
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            raise ApiError(
                401,
                "Incorrect API key provided. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )

    def _model_list(self) -> list[dict[str, Any]]:
        owned = [(m, "fake-openai") for m in self.models]
        owned += [(m, "user-fake") for m in self.fine_tuning.fine_tuned_models()]
        return [{"id": m, "object": "model", "created": 0, "owned_by": o} for m, o in owned]


class _Server(ThreadingHTTPServer):
    """Tracks each connection's socket and thread so `stop()` can close and join them all."""

    daemon_threads = True  # a thread stuck in user code must never block interpreter exit
    request_queue_size = 256  # bursts of concurrent connects must not overflow the backlog (5)

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        assert isinstance(request, socket.socket)  # TCP only
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="fake-openai-connection",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[request] = thread
        thread.start()

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        with self._connections_lock:
            self._connections.pop(request, None)  # type: ignore[arg-type]
        super().shutdown_request(request)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        error = sys.exc_info()[1]
        # Clients hanging up (timeouts, dropped streams, stop()) are normal; anything else is a bug.
        if error is not None and not isinstance(error, OSError):
            self.fake._record_error(error)

    def close_connections(self, timeout: float) -> None:
        with self._connections_lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            with contextlib.suppress(OSError):  # unblocks a thread waiting for the next request
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for _, thread in connections:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    """One connection: reads a request, records it, answers from the routes or the script."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    server: _Server
    _started = False  # whether a status line went out for the current request

    def log_message(self, format: str, *args: Any) -> None:
        pass  # test output stays quiet; every request is in `server.requests`

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake, self._started = self.server.fake, False
        arrived = time.monotonic()
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        body: Any = None
        uploads: dict[str, tuple[str, bytes]] = {}
        problem: ApiError | None = None
        try:
            body, uploads = _parse_body(headers.get("content-type", ""), self._read_body())
        except ApiError as error:
            problem = error
        except ValueError:  # a broken chunked body: the rest of the stream cannot be trusted
            problem, self.close_connection = ApiError(400, "Malformed chunked request body."), True
        shown = {k: "<redacted>" if k in _SECRET_HEADERS else v for k, v in headers.items()}
        query = dict(parse_qsl(url.query))
        fake._record(RecordedRequest(self.command, url.path, query, shown, body, arrived))
        try:
            if problem is not None:
                raise problem
            fake._check_auth(headers)
            parts = url.path.strip("/").split("/")
            if (self.command, parts) == ("POST", ["v1", "chat", "completions"]):
                _check_chat_request(body)
                number, turn = fake._take_turn(body)
                self._serve_turn(turn, body, number)
                return
            answer = _route_models(fake, self.command, parts) or route(
                fake.fine_tuning, self.command, parts, query, body, uploads
            )
            if answer is None:
                message = f"Unknown request URL: {self.command} {url.path}."
                raise ApiError(404, message, code="unknown_url")
            status, payload = answer
            if isinstance(payload, bytes):
                self._send(status, payload, "application/octet-stream")
            else:
                self._send_json(status, payload)
        except ApiError as error:
            headers = _NO_RETRY if error.type.startswith("fake_openai") else {}
            self._send_json(error.status, error.body(), headers)
        except OSError:
            self.close_connection = True  # the client went away mid-answer
        except Exception as error:
            fake._record_error(error)
            self._send_json(500, ApiError(500, f"FakeOpenAI bug: {error!r}").body(), _NO_RETRY)

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            pieces = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                pieces.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(pieces)
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def _send(
        self, status: int, payload: bytes, content_type: str, headers: Mapping[str, str] = {}
    ) -> None:
        if self._started:  # an error after a stream began: the only honest signal is hanging up
            self.close_connection = True
            return
        self._started = True
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_json(self, status: int, payload: object, headers: Mapping[str, str] = {}) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _serve_turn(self, turn: Turn, body: dict[str, Any], number: int) -> None:
        stopping = self.server.fake._stopping
        match turn:
            case Delay(seconds=seconds, then=then):
                if stopping.wait(seconds):
                    self.close_connection = True
                else:
                    self._serve_turn(then, body, number)
            case Drop():
                self.close_connection = True  # nothing written: the client sees a disconnect
            case Malformed(body=payload, status=status, content_type=content_type):
                data = payload.encode() if isinstance(payload, str) else payload
                self._send(status, data, content_type)
            case Status():
                self._send_json(turn.status, _error_body(turn), _status_headers(turn))
            case Text() | ToolCall() | Message():
                message = _as_message(turn, body)
                if body.get("stream") is True:
                    self._stream(message, body, number)
                else:
                    self._send_json(200, _completion(message, body, number))

    def _stream(self, message: Message, body: dict[str, Any], number: int) -> None:
        events = [json.dumps(c) for c in _completion_chunks(message, body, number)] + ["[DONE]"]
        self._started = True
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        chunking, stopping = message.chunking, self.server.fake._stopping
        for index, event in enumerate(events):
            if index == chunking.drop_after or stopping.wait(chunking.delay):
                # Hanging up inside a chunked body: the client sees an incomplete read.
                self.close_connection = True
                return
            data = f"data: {event}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"0\r\n\r\n")


def _route_models(
    fake: FakeOpenAI, method: str, parts: list[str]
) -> tuple[int, dict[str, Any]] | None:
    match method, parts:
        case "GET", ["v1", "models"]:
            return 200, {"object": "list", "data": fake._model_list()}
        case "GET", ["v1", "models", model_id]:
            for model in fake._model_list():
                if model["id"] == model_id:
                    return 200, model
            raise ApiError(
                404, f"The model '{model_id}' does not exist", param="model", code="model_not_found"
            )
    return None


def _parse_body(content_type: str, raw: bytes) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The recordable body and any uploaded files (form field -> (filename, bytes))."""
    if not raw:
        return None, {}
    mime = MimeHeaders()
    mime["content-type"] = content_type
    if mime.get_content_type() == "multipart/form-data":
        return _parse_multipart(raw, str(mime.get_param("boundary") or ""))
    try:
        return json.loads(raw), {}
    except ValueError:
        raise ApiError(400, "We could not parse the JSON body of your request.") from None


def _parse_multipart(raw: bytes, boundary: str) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    # The email parser would rewrite line endings inside file content, so split by hand.
    fields: dict[str, Any] = {}
    uploads: dict[str, tuple[str, bytes]] = {}
    for part in raw.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        mime = MimeHeaders()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            mime[name.strip()] = value.strip()
        field_name = str(mime.get_param("name", header="content-disposition") or "")
        filename = mime.get_param("filename", header="content-disposition")
        if filename is None:
            fields[field_name] = content.decode("utf-8", "replace")
        else:
            uploads[field_name] = (str(filename), content)
            fields[field_name] = {"filename": str(filename), "bytes": len(content)}
    return fields, uploads


def _check_chat_request(body: Any) -> None:
    # Rejected like the real API does, and before a turn is consumed: the model never saw it.
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    if not isinstance(body.get("model"), str):
        raise ApiError(400, "you must provide a model parameter", param="model")
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        raise ApiError(400, "'messages' must be a non-empty array.", param="messages")


def _error_body(turn: Status) -> dict[str, Any]:
    kind = "requests" if turn.status == 429 else None
    kind = kind or ("server_error" if turn.status >= 500 else "invalid_request_error")
    code = turn.code or ("rate_limit_exceeded" if turn.status == 429 else None)
    message = turn.message or f"Scripted error {turn.status} from FakeOpenAI."
    return ApiError(
        turn.status, message, type=turn.type or kind, param=turn.param, code=code
    ).body()


def _status_headers(turn: Status) -> dict[str, str]:
    headers = dict(turn.headers)
    if turn.retry_after is not None:
        headers["retry-after-ms"] = f"{turn.retry_after * 1000:g}"
        headers["retry-after"] = str(math.ceil(turn.retry_after))
    return headers


def _as_message(turn: Text | ToolCall | Message, body: dict[str, Any]) -> Message:
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


def _completion(message: Message, body: dict[str, Any], number: int) -> dict[str, Any]:
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


def _completion_chunks(message: Message, body: dict[str, Any], number: int) -> list[dict[str, Any]]:
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
