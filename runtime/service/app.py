"""The HTTP service: pesql behind a small JSON API on a real ASGI server (uvicorn).

    app = create_app(Runtime(tables={"penguins": "examples/tables/penguins.csv"}))
    uvicorn.run(app, host="127.0.0.1", port=8000)

Only catalog tables are reachable (requests name tables, never paths). Bad plans get 422 with
the same diagnostics the CLI prints; limits give 413/422; overload gives 503 with
Retry-After; the process never dies on bad input. See docs/service.md.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

import polars as pl
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import to_json
from pesql.grammar.printer import to_text
from pesql.runtime.embedding import Runtime
from pesql.runtime.engine.budget import Deadline, call_within
from pesql.runtime.engine.execute import Result
from pesql.runtime.engine.limits import Limits, result_too_large
from pesql.runtime.service.guard import (
    Gate,
    ServiceLimits,
    authorized,
    error_response,
    read_body_first,
    read_json,
    simple_error,
    status_for,
)
from pesql.runtime.service.spec import openapi_spec
from pesql.runtime.service.thread import ServerThread as ServerThread  # re-exported
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]


def _schema_json(schema: Any) -> list[dict[str, Any]]:
    return [{"name": n, "type": t.dtype, "nullable": t.nullable} for n, t in schema.items()]


def _cell(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN/Infinity
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)  # dates, datetimes, durations, decimals: ISO-like text


def frame_json(frame: pl.DataFrame) -> dict[str, Any]:
    return {
        "columns": frame.columns,
        "rows": [[_cell(v) for v in row] for row in frame.iter_rows()],
        "row_count": frame.height,
    }


def _response_too_large(found: str, cap: int) -> PesqlError:
    return result_too_large(found, cap, "the response, capped by --max-response-bytes")


def _check_response(size: int, cap: int) -> None:
    if size > cap:
        raise _response_too_large(f"{size} bytes", cap)


class Service:
    """Holds the runtime, limits and options; its methods are the endpoints."""

    def __init__(
        self,
        runtime: Runtime,
        limits: ServiceLimits,
        api_key: str | None,
        ask_options: dict[str, Any],
    ) -> None:
        self.runtime = runtime
        self.limits = limits
        self.api_key = api_key
        self.ask_options = ask_options
        self.gate: Gate | None = None  # created on the server's event loop

    def guarded(self, handler: Endpoint, *, public: bool = False, work: bool = False) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            if not public and not authorized(request, self.api_key):
                return simple_error(
                    401,
                    "H401",
                    "missing or wrong bearer token",
                    "send Authorization: Bearer <key>",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            try:
                if not work:
                    return await handler(request)
                if request.method == "POST":
                    refused = await read_body_first(request, self.limits)
                    if refused is not None:
                        return refused
                if self.gate is None:
                    self.gate = Gate(self.limits)
                if self.gate.full():
                    return simple_error(
                        503,
                        "H503",
                        "the service is busy",
                        "retry shortly",
                        headers={"Retry-After": str(self.limits.retry_after_s)},
                    )
                async with self.gate:
                    return await handler(request)
            except PesqlError as exc:
                return error_response(status_for(exc), exc.diagnostics)
            except Exception as exc:  # never die on input we did not foresee
                return simple_error(
                    500,
                    "H500",
                    f"internal error: {exc.__class__.__name__}",
                    "this is a bug in pesql; please report it",
                )

        return endpoint

    # --- endpoints ------------------------------------------------------------------
    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "tables": len(self.runtime.table_names())})

    async def tables(self, request: Request) -> Response:
        out = [
            {"name": n, "columns": _schema_json(self.runtime.schema(n))}
            for n in self.runtime.table_names()
        ]
        return JSONResponse({"tables": out})

    async def table(self, request: Request) -> Response:
        name = request.path_params["name"]
        schema = self.runtime.schema(name)
        report = self.runtime.catalog.get(name).report
        return JSONResponse(
            {
                "name": name,
                "columns": _schema_json(schema),
                "inferred": None if report is None else report.to_dict(),
            }
        )

    async def function_definition(self, request: Request) -> Response:
        from pesql.grammar.formdefs import form_definition

        name = request.query_params.get("table")
        names = [name] if name else self.runtime.table_names()
        columns = [c for n in names for c in self.runtime.schema(n).names()]
        profile = self.runtime.profile
        # The profile's wire form and operations: what `ask` sends as the tool.
        return JSONResponse(
            form_definition(
                profile.form,
                columns,
                naming=profile.naming,
                strict=profile.strict,
                verbosity=profile.verbosity,
                name=profile.function_name,
                offered=profile.offered,
                tables=names,
                calls="positional" if profile.positional_calls else "named",
            )
        )

    async def _plan_body(self, request: Request) -> tuple[dict[str, Any] | None, Response | None]:
        body, error = await read_json(request, self.limits)
        if error is not None:
            return None, error
        if not isinstance(body, dict) or "plan" not in body:
            return None, simple_error(
                400,
                "H400",
                "the body must be an object with `plan`",
                'send {"plan": {...} or "p-SQL text"}',
            )
        if not isinstance(body["plan"], dict | str):
            return None, simple_error(400, "H400", "`plan` must be an object or a string")
        return body, None

    async def compile(self, request: Request) -> Response:
        body, error = await self._plan_body(request)
        if error is not None or body is None:
            return error or simple_error(400, "H400", "no body")
        optimize = body.get("optimize", True) is not False
        deadline = Deadline.after(self.limits.timeout_s)
        compiled = await asyncio.to_thread(
            call_within,
            lambda: self.runtime.compile(body["plan"], optimize=optimize),
            deadline,
            "compiling the plan",
        )
        out: dict[str, Any] = {
            "plan_text": to_text(compiled.plan),
            "plan": to_json(compiled.plan),
            "table": compiled.checked.table,
            "output_schema": _schema_json(compiled.checked.output_schema),
            "notes": [d.to_dict() for d in compiled.checked.notes],
        }
        if body.get("explain"):
            out["explain"] = await asyncio.to_thread(compiled.explain, self.runtime.catalog)
        return JSONResponse(out)

    async def execute(self, request: Request) -> Response:
        body, error = await self._plan_body(request)
        if error is not None or body is None:
            return error or simple_error(400, "H400", "no body")
        max_rows = body.get("max_rows")
        if not isinstance(max_rows, int) or isinstance(max_rows, bool) or max_rows < 0:
            max_rows = self.limits.max_rows
        limits = Limits(
            max_rows=min(max_rows, self.limits.max_rows),
            timeout_s=self.limits.timeout_s,
            max_result_bytes=self.limits.max_result_bytes,
        )
        result = await self.runtime.execute_async(body["plan"], limits=limits)
        fmt = body.get("format", "json")
        # Rendering a large frame takes seconds of CPU: off the event loop, so /health and
        # other requests are answered meanwhile, and refused past the response cap.
        return await asyncio.to_thread(self._render, result, fmt)

    def _render(self, result: Result, fmt: object) -> Response:
        cap = self.limits.max_response_bytes
        # A cheap lower bound first: JSON and CSV are rarely smaller than polars' own buffers.
        if result.frame.estimated_size() > cap:
            raise _response_too_large(f"about {result.frame.estimated_size()} bytes", cap)
        headers = {"X-Pesql-Truncated": str(result.truncated).lower()}
        if fmt == "csv":
            text = result.frame.write_csv().encode()
            _check_response(len(text), cap)
            return Response(text, media_type="text/csv", headers=headers)
        if fmt == "arrow":
            sink = io.BytesIO()
            result.frame.write_ipc_stream(sink)
            _check_response(sink.tell(), cap)
            return Response(
                sink.getvalue(), media_type="application/vnd.apache.arrow.stream", headers=headers
            )
        out = frame_json(result.frame) | {
            "truncated": result.truncated,
            "elapsed_ms": round(result.elapsed_s * 1000, 3),
            "notes": [d.to_dict() for d in result.notes],
        }
        return self._json(out, headers)

    def _json(self, out: dict[str, Any], headers: dict[str, str]) -> Response:
        """`out` as JSON (as starlette's JSONResponse writes it), within the response cap."""
        body = json.dumps(out, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        _check_response(len(body), self.limits.max_response_bytes)
        return Response(body, media_type="application/json", headers=headers)

    async def ask(self, request: Request) -> Response:
        body, error = await read_json(request, self.limits)
        if error is not None:
            return error
        if "model" not in self.ask_options:
            return simple_error(
                404,
                "H404",
                "asking is not enabled on this service",
                "start it with --model (and --base-url for other servers)",
            )
        if not isinstance(body, dict) or not isinstance(body.get("question"), str):
            return simple_error(400, "H400", "the body must be an object with `question`")
        if not body["question"].strip():
            return simple_error(400, "H400", "the question is empty")
        options = dict(self.ask_options)
        if isinstance(body.get("model"), str):
            options["model"] = body["model"]
        result = await self.runtime.ask_async(body["question"], **options)
        return await asyncio.to_thread(self._render_answer, result)

    def _render_answer(self, result: Any) -> Response:
        frame = result.frame.head(self.limits.max_rows)
        if frame.estimated_size() > self.limits.max_response_bytes:
            found = f"about {frame.estimated_size()} bytes"
            raise _response_too_large(found, self.limits.max_response_bytes)
        out = frame_json(frame) | {
            "plan_text": to_text(result.plan),
            "plan": to_json(result.plan),
            "truncated": result.frame.height > frame.height,
            "summary": result.summary(),
            "trace": [json.loads(json.dumps(e.to_dict(), default=str)) for e in result.trace],
        }
        return self._json(out, {})

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_spec(auth=self.api_key is not None))


def create_app(
    runtime: Runtime,
    *,
    limits: ServiceLimits | None = None,
    api_key: str | None = None,
    ask_options: dict[str, Any] | None = None,
) -> Starlette:
    """The ASGI application (run it with uvicorn, or mount it in another Starlette/FastAPI app)."""
    service = Service(runtime, limits or ServiceLimits(), api_key, ask_options or {})
    g = service.guarded
    routes = [
        Route("/health", g(service.health, public=True), methods=["GET"]),
        Route("/openapi.json", g(service.openapi, public=True), methods=["GET"]),
        Route("/v1/tables", g(service.tables), methods=["GET"]),
        Route("/v1/tables/{name}", g(service.table), methods=["GET"]),
        Route("/v1/function-definition", g(service.function_definition), methods=["GET"]),
        Route("/v1/compile", g(service.compile, work=True), methods=["POST"]),
        Route("/v1/execute", g(service.execute, work=True), methods=["POST"]),
        Route("/v1/ask", g(service.ask, work=True), methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.service = service
    return app
