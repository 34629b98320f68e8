"""`pesql serve`: the HTTP service on uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.cli.common import positive_float, positive_int


def cmd_serve(args: argparse.Namespace) -> int:
    from pesql.runtime.cli.common import profile_of, tables_of
    from pesql.runtime.extras import require

    uvicorn = require("uvicorn", "the HTTP service (pesql serve)")
    require("starlette", "the HTTP service (pesql serve)")
    from pesql.runtime.embedding import Runtime
    from pesql.runtime.engine.limits import Limits
    from pesql.runtime.service.app import close_app, create_app
    from pesql.runtime.service.guard import ServiceLimits
    from pesql.runtime.service.pool import PoolOptions

    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise PesqlError(
                [
                    Diagnostic.make(
                        "E505",
                        problem=f"environment variable {args.api_key_env} is empty or unset",
                        hints=("export the key before starting the service",),
                    )
                ]
            )
    limits = ServiceLimits(
        max_body_bytes=args.max_body_bytes,
        max_rows=args.max_rows,
        timeout_s=args.timeout,
        max_concurrency=args.max_concurrency,
        max_queue=args.max_queue,
        read_timeout_s=args.read_timeout,
        max_result_bytes=args.max_result_bytes,
        max_response_bytes=args.max_response_bytes,
    )
    runtime = Runtime(
        tables_of(args.table, args.summary_rows),
        profile=profile_of(args.profile),
        limits=Limits(
            max_rows=args.max_rows,
            timeout_s=args.timeout,
            max_result_bytes=args.max_result_bytes,
        ),
    )
    ask_options: dict[str, Any] = {}
    if args.model:
        ask_options["model"] = args.model
    if args.base_url:
        ask_options["base_url"] = args.base_url
    pool = PoolOptions(
        workers=args.workers, memory_bytes=args.worker_memory, threads=args.worker_threads
    )
    app = create_app(runtime, limits=limits, api_key=api_key, ask_options=ask_options, workers=pool)
    where = f"{args.workers} worker processes" if args.workers else "threads"
    sys.stderr.write(
        f"pesql serving {', '.join(runtime.table_names())} on "
        f"http://{args.host}:{args.port} (OpenAPI at /openapi.json; plan work in {where})\n"
    )
    # With --workers 0 a hostile plan compiles in Python on a thread until its E303, holding
    # the GIL in 5 ms slices by default; normal requests need the GIL many times each, so they
    # queued behind it (p99 1.3 s under load). Shorter slices keep them near their unloaded p99.
    sys.setswitchinterval(0.0005)
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            timeout_keep_alive=KEEP_ALIVE_S,
        )
    finally:
        close_app(app)
    return 0


# Seconds an idle keep-alive connection stays open. uvicorn's default, 5 s, equals httpx's
# (and many clients') pool expiry: a client reusing a connection idle for just under 5 s raced
# the server closing it, and got a reset instead of a reply (the rare `httpcore.ReadError` of
# the load test, seen on a machine so loaded that a client waited seconds between requests).
# Longer than the clients' expiry, the client always drops an idle connection first.
KEEP_ALIVE_S = 15


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def byte_size(text: str) -> int:
    """argparse type: bytes, with an optional K/M/G/T suffix (powers of 1024): `2G`, `512M`."""
    raw = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = raw[-1:] if raw[-1:] in _UNITS else ""
    number = raw[: len(raw) - len(unit)]
    try:
        value = int(float(number) * _UNITS[unit])
    except (ValueError, OverflowError):
        problem = f"{text[:40]!r} is not a size such as 2G or 512M"
        raise argparse.ArgumentTypeError(problem) from None
    if value < 1 << 20:
        raise argparse.ArgumentTypeError(f"must be at least 1M (got {text[:40]})")
    return value


def worker_count(text: str) -> int:
    """argparse type: 0 (plan work on threads of the server) or a number of processes."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
    if not 0 <= value <= 256:
        raise argparse.ArgumentTypeError(f"must be between 0 and 256 (got {text[:40]})")
    return value


def register(sub: Any) -> None:
    from pesql.runtime.cli.common import add_summary_rows_option

    p = sub.add_parser("serve", help="serve tables over HTTP (JSON API, OpenAPI spec)")
    p.add_argument("--table", "-t", action="append", metavar="NAME=PATH", required=True)
    add_summary_rows_option(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="require `Authorization: Bearer <$VAR>` on every /v1 request",
    )
    p.add_argument("--profile", metavar="FILE")
    p.add_argument("--model", help="model for /v1/ask")
    p.add_argument("--base-url", help="OpenAI-compatible server for /v1/ask")
    p.add_argument("--max-body-bytes", type=int, default=256 * 1024)
    p.add_argument("--max-rows", type=positive_int, default=10_000)
    p.add_argument(
        "--timeout",
        type=positive_float,
        default=30.0,
        help="seconds per request: compiling, polars' planning and the run",
    )
    p.add_argument(
        "--max-result-bytes",
        type=positive_int,
        default=256 * 1024 * 1024,
        help="bytes a result may take, estimated per step and counted while running (E311)",
    )
    p.add_argument(
        "--max-response-bytes",
        type=positive_int,
        default=32 * 1024 * 1024,
        help="bytes of one response body (E311 past it)",
    )
    p.add_argument("--max-concurrency", type=positive_int, default=4)
    p.add_argument(
        "--workers",
        type=worker_count,
        default=4,
        metavar="N",
        help="worker processes for plan work, killed and replaced at the deadline or the memory "
        "cap (0: threads of the server, which cannot stop a running polars query)",
    )
    p.add_argument(
        "--worker-memory",
        type=byte_size,
        default=2 << 30,
        metavar="BYTES",
        help="resident memory one worker may use (2G, 512M, ...); past it the request gets "
        "E311 and the worker is replaced",
    )
    p.add_argument(
        "--worker-threads",
        type=positive_int,
        default=None,
        metavar="N",
        help="polars threads per worker (default: the cores divided among the workers, at "
        "least 1; a worker runs one request at a time)",
    )
    p.add_argument("--max-queue", type=int, default=64)
    p.add_argument(
        "--read-timeout",
        type=positive_float,
        default=10.0,
        metavar="SECONDS",
        help="a request body must arrive within this (408 otherwise)",
    )
    p.add_argument("--log-level", default="info")
    p.set_defaults(handler=cmd_serve)
