"""Request guards of the HTTP service: limits, bearer auth, bounded concurrency, error bodies.

Every refusal is a JSON body in the same shape as plan diagnostics:
`{"errors": [{"code", "message", "where"?, "hints"?}]}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pesql.grammar.diagnostics import Diagnostic
from pesql.runtime.service.render import status_for as status_for  # re-exported
from starlette.requests import Request
from starlette.responses import JSONResponse


@dataclass(frozen=True)
class ServiceLimits:
    """Per-request and per-process bounds (all documented in docs/service.md)."""

    max_body_bytes: int = 256 * 1024
    max_rows: int = 10_000  # rows returned by /execute and /ask (the rest is cut, flagged)
    timeout_s: float = 30.0  # time budget per request: compile, polars' planning and the run
    # Bytes a result may take while it is computed (estimated per step, then counted).
    max_result_bytes: int = 256 * 1024 * 1024
    # Bytes of one response body (JSON, CSV or Arrow); past it, 422 E311.
    max_response_bytes: int = 32 * 1024 * 1024
    max_concurrency: int = 4  # requests doing work at once (polars uses every core anyway)
    max_queue: int = 64  # requests allowed to wait; beyond that, 503 + Retry-After
    retry_after_s: int = 1
    # A request body must arrive within this; it is read before the request takes a work
    # slot, so clients that trickle their bodies cannot hold the slots (408 H408 after it).
    read_timeout_s: float = 10.0


def error_response(
    status: int,
    diagnostics: list[Diagnostic] | tuple[Diagnostic, ...],
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"errors": [d.to_dict() for d in diagnostics]}
    return JSONResponse(body, status_code=status, headers=headers)


def simple_error(
    status: int,
    code: str,
    message: str,
    hint: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Errors about the HTTP request itself (not the plan): codes H4xx/H5xx."""
    entry: dict[str, Any] = {"code": code, "message": message}
    if hint:
        entry["hints"] = [hint]
    return JSONResponse({"errors": [entry]}, status_code=status, headers=headers)


class Slot:
    """A work slot held by one request; released once, early when its work turns long."""

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore: asyncio.Semaphore | None = semaphore

    def release(self) -> None:
        if self._semaphore is not None:
            self._semaphore.release()
            self._semaphore = None


class Gate:
    """Bounded concurrency with a bounded waiting room: excess requests get 503 at once."""

    def __init__(self, limits: ServiceLimits) -> None:
        self.limits = limits
        self._running = asyncio.Semaphore(limits.max_concurrency)
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    def full(self) -> bool:
        # Full only when no slot is free and the waiting room is at its bound.
        return self._running.locked() and self._waiting >= self.limits.max_queue

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[Slot]:
        self._waiting += 1
        try:
            await self._running.acquire()
        finally:
            self._waiting -= 1
        slot = Slot(self._running)
        try:
            yield slot
        finally:
            slot.release()


def authorized(request: Request, api_key: str | None) -> bool:
    if api_key is None:
        return True
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), api_key.encode())


async def read_body_first(request: Request, limits: ServiceLimits) -> JSONResponse | None:
    """Read and parse the body before any work slot is taken (kept for `read_json`).

    Within `limits.read_timeout_s`, or 408: a slow client then holds a connection, never a
    slot that a complete request could use."""
    try:
        body, error = await asyncio.wait_for(_read(request, limits), limits.read_timeout_s)
    except TimeoutError:
        return simple_error(
            408,
            "H408",
            f"the request body did not arrive within {limits.read_timeout_s:g} s",
            "send the whole body at once",
        )
    if error is None:
        request.state.pesql_body = body
    return error


async def read_json(request: Request, limits: ServiceLimits) -> tuple[Any, JSONResponse | None]:
    """The request body as JSON, or an error response (413 too large, 400 not JSON)."""
    if hasattr(request.state, "pesql_body"):  # already read by `read_body_first`
        return request.state.pesql_body, None
    return await _read(request, limits)


async def _read(request: Request, limits: ServiceLimits) -> tuple[Any, JSONResponse | None]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
        return None, _too_large(int(declared), limits)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.max_body_bytes:
            return None, _too_large(size, limits)
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        return json.loads(raw or b"null"), None
    except (ValueError, RecursionError) as exc:
        return None, simple_error(
            400,
            "H400",
            f"the body is not valid JSON: {exc}",
            "send a JSON object with Content-Type: application/json",
        )


def _too_large(size: int, limits: ServiceLimits) -> JSONResponse:
    diagnostic = Diagnostic.make(
        "E306", found=f"{size} bytes", expected=f"{limits.max_body_bytes} bytes"
    )
    return error_response(413, [diagnostic])
