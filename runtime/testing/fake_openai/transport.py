"""HTTP layer of the local OpenAI-compatible test server: connections, parsing, routing.

`FakeServer` is a stdlib `ThreadingHTTPServer` that tracks every connection so `FakeOpenAI.stop()`
can close and join them; `_Handler` records each request and answers from the routes (models,
files, fine-tuning) or, for chat completions, from the FakeOpenAI script.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message as MimeHeaders
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from pesql.runtime.testing.fake_openai.chat import (
    as_message,
    check_chat_request,
    completion,
    completion_chunks,
    error_body,
    status_headers,
)
from pesql.runtime.testing.fake_openai.routes import ApiError, route, route_models
from pesql.runtime.testing.fake_openai.turns import (
    Delay,
    Drop,
    Malformed,
    Message,
    Status,
    Text,
    ToolCall,
    Turn,
)

if TYPE_CHECKING:
    from pesql.runtime.testing.fake_openai.server import FakeOpenAI


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


class FakeServer(ThreadingHTTPServer):
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
    server: FakeServer
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
                check_chat_request(body)
                number, turn = fake._take_turn(body)
                self._serve_turn(turn, body, number)
                return
            answer = route_models(fake, self.command, parts) or route(
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
                self._send_json(turn.status, error_body(turn), status_headers(turn))
            case Text() | ToolCall() | Message():
                message = as_message(turn, body)
                if body.get("stream") is True:
                    self._stream(message, body, number)
                else:
                    self._send_json(200, completion(message, body, number))

    def _stream(self, message: Message, body: dict[str, Any], number: int) -> None:
        events = [json.dumps(c) for c in completion_chunks(message, body, number)] + ["[DONE]"]
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
