"""Plan work of the service as plain values: a request body in, a `Reply` (status, bytes) out.

    reply = execute_reply(runtime, {"plan": "LIMIT 1"}, ServiceLimits(), budget_s=5.0)
    reply.status, reply.media_type  # (200, "application/json")

The same functions run on a thread of the server (`create_app(..., workers=0)`) or in a worker
process (runtime/service/worker.py), so both paths answer byte for byte alike. They never
raise: a bad plan is a 422/404 reply with diagnostics, a bug a 500 H500 reply, running out of
memory an E311 reply; `stopped` says the reply is an E303, after which a worker process is
replaced (polars may still be running the query it was asked to drop).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.jsonform import to_json
from pesql.grammar.printer import to_text
from pesql.runtime.embedding import Runtime
from pesql.runtime.engine.budget import Deadline, call_within
from pesql.runtime.engine.execute import Result
from pesql.runtime.engine.limits import Limits, result_too_large

JSON = "application/json"


@dataclass(frozen=True)
class Reply:
    """An HTTP answer as values (picklable: it crosses the pipe from a worker process)."""

    status: int
    body: bytes
    media_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    stopped: bool = False  # an E303: the work was asked to stop


def json_bytes(value: Any) -> bytes:
    """`value` as compact JSON, as starlette's JSONResponse writes it."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def errors_reply(status: int, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> Reply:
    codes = {d.code for d in diagnostics}
    body = json_bytes({"errors": [d.to_dict() for d in diagnostics]})
    return Reply(status, body, stopped="E303" in codes)


def simple_reply(status: int, code: str, message: str, hint: str | None = None) -> Reply:
    """Errors about the HTTP request itself (not the plan): codes H4xx/H5xx."""
    entry: dict[str, Any] = {"code": code, "message": message}
    if hint:
        entry["hints"] = [hint]
    return Reply(status, json_bytes({"errors": [entry]}))


def status_for(exc: PesqlError) -> int:
    """HTTP status for a diagnostics error: the plan's fault is 422, a missing table 404."""
    codes = set(exc.codes)
    if codes == {"E210"}:
        return 404
    if codes & {"E502", "E505"}:
        return 502
    return 422


def guarded_reply(work: Callable[[], Reply]) -> Reply:
    """`work()`, every failure turned into a reply (the service never dies on bad input)."""
    try:
        return work()
    except PesqlError as exc:
        return errors_reply(status_for(exc), exc.diagnostics)
    except MemoryError:
        # Python's own allocations past the worker's cap (RLIMIT_AS): the frames unwound, so
        # the memory is back; polars' allocations past it end the process instead (pool.py).
        return errors_reply(422, memory_exceeded(how="MemoryError").diagnostics)
    except Exception as exc:  # a bug: reported, and the next request is served normally
        return simple_reply(
            500,
            "H500",
            f"internal error: {exc.__class__.__name__}",
            "this is a bug in pesql; please report it",
        )


def memory_exceeded(cap: int | None = None, how: str = "") -> PesqlError:
    """E311 for work stopped at a worker process's memory cap (`--worker-memory`)."""
    expected = "the worker's memory cap" if cap is None else f"{cap} bytes"
    when = "the memory cap of the worker process running it, --worker-memory"
    hint = (
        "the worker was stopped and replaced; filter, aggregate or SELECT fewer columns "
        "earlier, or start the service with a larger --worker-memory"
    )
    found = "more memory" + (f" ({how})" if how else "")
    diagnostic = Diagnostic.make("E311", found=found, expected=expected, when=when, hints=(hint,))
    return PesqlError([diagnostic])


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


def schema_json(schema: Any) -> list[dict[str, Any]]:
    return [{"name": n, "type": t.dtype, "nullable": t.nullable} for n, t in schema.items()]


def response_too_large(found: str, cap: int) -> PesqlError:
    return result_too_large(found, cap, "the response, capped by --max-response-bytes")


def capped(body: bytes, cap: int) -> bytes:
    if len(body) > cap:
        raise response_too_large(f"{len(body)} bytes", cap)
    return body


def execute_reply(runtime: Runtime, body: dict[str, Any], limits: Any, budget_s: float) -> Reply:
    """POST /v1/execute: run `body["plan"]` within `budget_s` and render it (`limits` is the
    service's `ServiceLimits`)."""

    def work() -> Reply:
        max_rows = body.get("max_rows")
        if not isinstance(max_rows, int) or isinstance(max_rows, bool) or max_rows < 0:
            max_rows = limits.max_rows
        run_limits = Limits(
            max_rows=min(max_rows, limits.max_rows),
            timeout_s=budget_s,
            max_result_bytes=limits.max_result_bytes,
        )
        result = runtime.execute(body["plan"], limits=run_limits)
        return render_result(result, body.get("format", "json"), limits.max_response_bytes)

    return guarded_reply(work)


def _refuse_large(frame: pl.DataFrame, cap: int) -> None:
    """A cheap lower bound before rendering: JSON and CSV are rarely smaller than polars' own
    buffers, so a frame whose buffers pass the cap is refused without being written out."""
    if frame.estimated_size() > cap:
        raise response_too_large(f"about {frame.estimated_size()} bytes", cap)


def render_result(result: Result, fmt: object, cap: int) -> Reply:
    _refuse_large(result.frame, cap)
    headers = {"X-Pesql-Truncated": str(result.truncated).lower()}
    if fmt == "csv":
        return Reply(200, capped(result.frame.write_csv().encode(), cap), "text/csv", headers)
    if fmt == "arrow":
        sink = io.BytesIO()
        result.frame.write_ipc_stream(sink)
        arrow = "application/vnd.apache.arrow.stream"
        return Reply(200, capped(sink.getvalue(), cap), arrow, headers)
    out = frame_json(result.frame) | {
        "truncated": result.truncated,
        "elapsed_ms": round(result.elapsed_s * 1000, 3),
        "notes": [d.to_dict() for d in result.notes],
    }
    return Reply(200, capped(json_bytes(out), cap), JSON, headers)


def compile_reply(runtime: Runtime, body: dict[str, Any], budget_s: float) -> Reply:
    """POST /v1/compile: the canonical plan, output schema and notes (and polars' plan)."""

    def work() -> Reply:
        optimize = body.get("optimize", True) is not False
        deadline = Deadline.after(budget_s)
        compiled = call_within(
            lambda: runtime.compile(body["plan"], optimize=optimize),
            deadline,
            "compiling the plan",
        )
        out: dict[str, Any] = {
            "plan_text": to_text(compiled.plan),
            "plan": to_json(compiled.plan),
            "table": compiled.checked.table,
            "output_schema": schema_json(compiled.checked.output_schema),
            "notes": [d.to_dict() for d in compiled.checked.notes],
        }
        if body.get("explain"):
            explain = lambda: compiled.explain(runtime.catalog)  # noqa: E731
            out["explain"] = call_within(explain, deadline, "explaining the plan")
        return Reply(200, json_bytes(out))

    return guarded_reply(work)


def ask_reply(runtime: Runtime, body: dict[str, Any], limits: Any) -> Reply:
    """POST /v1/ask: the model loop for `body["question"]` (with `body["options"]`: model,
    base_url, ...), within the profile's deadline, and its answer rendered: rows, the plan in
    both forms, the summary and the trace. A question no plan answers is its AskError's
    diagnostics (502 when the model service failed, else 422)."""

    def work() -> Reply:
        result = runtime.ask(body["question"], **body["options"])
        frame = result.frame.head(limits.max_rows)
        _refuse_large(frame, limits.max_response_bytes)
        out = frame_json(frame) | {
            "plan_text": to_text(result.plan),
            "plan": to_json(result.plan),
            "truncated": result.frame.height > frame.height,
            "summary": result.summary(),
            "trace": [json.loads(json.dumps(e.to_dict(), default=str)) for e in result.trace],
        }
        return Reply(200, capped(json_bytes(out), limits.max_response_bytes))

    return guarded_reply(work)


__all__ = [
    "Reply",
    "ask_reply",
    "compile_reply",
    "errors_reply",
    "execute_reply",
    "frame_json",
    "guarded_reply",
    "memory_exceeded",
    "simple_reply",
    "status_for",
]
