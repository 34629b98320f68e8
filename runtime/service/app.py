"""The HTTP service: pesql behind a small JSON API on a real ASGI server (uvicorn).

    app = create_app(Runtime(tables={"penguins": "examples/tables/penguins.csv"}))
    uvicorn.run(app, host="127.0.0.1", port=8000)

Only catalog tables are reachable (requests name tables, never paths). Bad plans get 422 with
the same diagnostics the CLI prints; limits give 413/422; overload gives 503 with
Retry-After; the process never dies on bad input. See docs/service.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.embedding import Runtime
from pesql.runtime.llm.profile import Profile
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
from pesql.runtime.service.pool import PoolOptions, WorkerPool
from pesql.runtime.service.render import (
    Reply,
    schema_json,
)
from pesql.runtime.service.spec import openapi_spec
from pesql.runtime.service.thread import ServerThread as ServerThread  # re-exported
from pesql.runtime.service.worker import Job, run_job
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]


class Service:
    """Holds the runtime, limits and options; its methods are the endpoints."""

    def __init__(
        self,
        runtime: Runtime,
        limits: ServiceLimits,
        api_key: str | None,
        ask_options: dict[str, Any],
        pool: WorkerPool | None = None,
    ) -> None:
        self.runtime = runtime
        self.limits = limits
        self.api_key = api_key
        self.ask_options = ask_options
        self.pool = pool  # None: plan work on threads of this process
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
                async with self.gate.slot() as slot:
                    request.state.pesql_slot = slot
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
        out: dict[str, Any] = {"status": "ok", "tables": len(self.runtime.table_names())}
        if self.pool is not None:
            out["workers"] = self.pool.size
            out["workers_replaced"] = self.pool.replaced
        return JSONResponse(out)

    async def tables(self, request: Request) -> Response:
        out = [
            {"name": n, "columns": schema_json(self.runtime.schema(n))}
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
                "columns": schema_json(schema),
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
        return await self._work(request, Job("compile", body, self.limits.timeout_s))

    async def execute(self, request: Request) -> Response:
        body, error = await self._plan_body(request)
        if error is not None or body is None:
            return error or simple_error(400, "H400", "no body")
        return await self._work(request, Job("execute", body, self.limits.timeout_s))

    async def _work(self, request: Request, job: Job) -> Response:
        """The plan work: in a worker process (killed at the deadline), or on a thread.

        Either way compiling, running and rendering happen off the event loop, so /health
        and other requests are answered meanwhile."""
        if self.pool is None:
            reply = await asyncio.to_thread(run_job, self.runtime, self.limits, job)
        else:
            slot = getattr(request.state, "pesql_slot", None)
            reply = await self.pool.run(job, on_long=slot.release if slot else _nothing)
        return _response(reply)

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
        # The whole model loop runs as plan work: in a worker process with a pool (what the
        # model's plans do is then stopped, capped and deprioritized like any plan), else on
        # a thread. Its budget is the profile's deadline, which the loop also keeps itself.
        job = Job("ask", {"question": body["question"], "options": options}, self._ask_budget)
        return await self._work(request, job)

    @functools.cached_property
    def _ask_budget(self) -> float:
        """The deadline of the profile the loop runs with (an ask option's, else the runtime's);
        read once: the options are the service's."""
        profile = self.ask_options.get("profile", self.runtime.profile)
        if not isinstance(profile, Profile):
            profile = Profile.load(profile)
        return profile.deadline_s

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_spec(auth=self.api_key is not None))


def _response(reply: Reply) -> Response:
    return Response(
        reply.body, status_code=reply.status, media_type=reply.media_type, headers=reply.headers
    )


def _nothing() -> None:
    return None


async def _routing_error(request: Request, exc: Exception) -> Response:
    """An unknown path (404) or method (405) as the API's other errors: {"errors": [...]}.
    Starlette answers them in plain text, which a client reading every error as JSON cannot
    parse (issue 21, tests/fuzz)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = exc.detail if isinstance(exc, HTTPException) else "internal error"
    headers = exc.headers if isinstance(exc, HTTPException) else None
    return simple_error(status, f"H{status}", message, headers=dict(headers or {}))


def create_app(
    runtime: Runtime,
    *,
    limits: ServiceLimits | None = None,
    api_key: str | None = None,
    ask_options: dict[str, Any] | None = None,
    workers: int | PoolOptions = 0,
) -> Starlette:
    """The ASGI application (run it with uvicorn, or mount it in another Starlette/FastAPI app).

    `workers`: 0 runs plan work on threads of this process (an embedded service); N (or
    `PoolOptions`) in N worker processes, started now, which the deadline and the memory cap
    can stop (`pesql serve` default). Stop them with `close_app(app)` (or at exit)."""
    limits = limits or ServiceLimits()
    options = PoolOptions(workers=workers) if isinstance(workers, int) else workers
    if "model" in (ask_options or {}):
        options = replace(options, asks=True)
    pool = WorkerPool(runtime, limits, options) if options.workers > 0 else None
    service = Service(runtime, limits, api_key, ask_options or {}, pool)
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
    app = Starlette(
        routes=routes, lifespan=_lifespan, exception_handlers={HTTPException: _routing_error}
    )
    app.state.service = service
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    try:
        yield
    finally:  # the server is shutting down
        close_app(app)


def close_app(app: Starlette) -> None:
    """Stop the app's worker processes (also done when the server shuts down)."""
    pool = app.state.service.pool
    if pool is not None:
        pool.close()
