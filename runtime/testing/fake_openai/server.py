"""A scriptable OpenAI-compatible HTTP server on 127.0.0.1, for tests that must not use the network.

Tests drive the real `openai` client against it; each chat completion request consumes one scripted
turn (or asks a responder). The turns live in `fake_turns`, the completion JSON in `fake_chat`,
the HTTP layer in `fake_http`, files and fine-tuning in `fake_finetune` (all `pesql.runtime`).

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

import threading
from collections import deque
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import openai
from pesql.runtime.testing.fake_openai.finetune import FineTuneStore
from pesql.runtime.testing.fake_openai.jobs import (
    JobFails,
    JobOutcome,
    JobStatus,
    JobSucceeds,
)
from pesql.runtime.testing.fake_openai.routes import ApiError
from pesql.runtime.testing.fake_openai.transport import FakeServer, RecordedRequest
from pesql.runtime.testing.fake_openai.turns import (
    MAX_CHUNK_DELAY,
    MAX_DELAY,
    Chunking,
    Delay,
    Drop,
    Malformed,
    Message,
    Responder,
    Status,
    Text,
    ToolCall,
    Turn,
    Usage,
    check_turn,
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
        self._httpd: FakeServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        if self._httpd is not None or self._stopped:
            raise RuntimeError("FakeOpenAI can be started once; create a new one")
        self._httpd = FakeServer(self)
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
            check_turn(turn)
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
            check_turn(turn)
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
