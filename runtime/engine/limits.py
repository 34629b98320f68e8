"""Execution limits: plan size (E301), expression depth (E302), time (E303), output rows (E304).

    >>> Limits(max_rows=100, timeout_s=5.0).max_steps
    64

The size limits are the compiler's (`pesql.compiler.check.size`: `SizeLimits`, `check_size`,
`expr_depth`, re-exported here), checked once when a plan is compiled, before anything runs.
The time budget has two strategies:

- by default the query runs with polars' chosen engine (`engine`, "auto": streaming where it
  can) on a worker thread; past the budget the caller gets E303 at once, and the abandoned
  query finishes on its own, since polars cannot cancel a running collect. This is the fast
  path: polars' cancellable background mode runs only the in-memory engine, 1.5-3x slower
  on large tables (bench/tpch.py) and with far more memory;
- with `cancel_on_timeout=True` (what the HTTP service uses: one runaway query must not keep
  a core busy) the query runs in polars' background mode, is polled, and is cancelled at the
  deadline.

Either way a slow plan never hangs the caller. Polars errors (a strict CAST of a bad value,
an invalid regex) become E305 with polars' first message line, never a traceback.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal

import polars as pl
from pesql.compiler.check.size import SizeLimits, check_size, expr_depth
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.numbers import ROW_INDEX_MAX
from polars.lazyframe.in_process import InProcessQuery


@dataclass(frozen=True)
class Limits(SizeLimits):
    """Bounds on one execution; None switches a bound off.

    The plan-size bounds (`max_steps`, `max_depth`) are the compiler's `SizeLimits`, checked
    when a plan is compiled; the others bound the run."""

    def __post_init__(self) -> None:
        # Values polars cannot take would fail deep inside a run (OverflowError): refuse them
        # here, naming the bound (issue 21).
        rows, seconds = self.max_rows, self.timeout_s
        if rows is not None and not (isinstance(rows, int) and 0 <= rows < ROW_INDEX_MAX):
            raise ValueError(f"max_rows must be None or 0 .. {ROW_INDEX_MAX - 1}, not {rows!r}")
        if seconds is not None and not (isinstance(seconds, int | float) and 0 < seconds <= 1e9):
            raise ValueError(f"timeout_s must be None or in (0, 1e9] seconds, not {seconds!r}")

    max_rows: int | None = 10_000
    timeout_s: float | None = 30.0
    # polars' engine: "auto" (streaming where the plan allows), "streaming" or "in-memory".
    engine: Literal["auto", "streaming", "in-memory"] = "auto"
    # Cancel a query at the deadline (polars' background mode: in-memory engine, slower).
    cancel_on_timeout: bool = False
    # Data-aware warnings (W301, W302; runtime/engine/data_warnings.py): a few cheap queries
    # over the source after the run.
    data_warnings: bool = True


def execution_error(exc: BaseException) -> PesqlError:
    """E305 for an exception raised by polars while running a plan."""
    # polars appends the failing expression after a blank line: the first paragraph says why.
    paragraph = str(exc).strip().split("\n\n")[0]
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    problem = lines[0] if lines else type(exc).__name__
    # Regex errors put the reason on a later "error: ..." line, after a caret drawing.
    reason = next((ln[len("error:") :].strip() for ln in lines[1:] if ln.startswith("error:")), "")
    if reason:
        problem = f"{problem.rstrip(':')}: {reason}"
    hints: list[str] = []
    if "conversion" in problem or "strict" in problem or "cast" in problem.lower():
        hints.append("use TRY_CAST to get null where a value does not convert")
    if "regex" in problem.lower():
        hints.append("check the regular expression (Rust regex syntax, no look-around)")
    return PesqlError([Diagnostic.make("E305", problem=problem, hints=hints)])


# Cancelled queries stay referenced until they report back: polars' worker thread sends the
# (late) result to the query's channel and panics, printing a Rust backtrace, if the Python
# side has already dropped the receiver.
_CANCELLED: list[InProcessQuery] = []
_MAX_CANCELLED = 64


def _forget_finished() -> None:
    for query in list(_CANCELLED):
        try:
            done = query.fetch() is not None
        except Exception:  # an interrupted query reports its cancellation as an error
            done = True
        if done:
            _CANCELLED.remove(query)
    del _CANCELLED[:-_MAX_CANCELLED]


def _timed_out(timeout_s: float) -> PesqlError:
    return PesqlError(
        [
            Diagnostic.make(
                "E303",
                expected=f"{timeout_s:g} s",
                hints=("filter or aggregate earlier, or ask for fewer rows",),
            )
        ]
    )


def collect_within(
    frame: pl.LazyFrame,
    timeout_s: float | None,
    *,
    engine: Literal["auto", "streaming", "in-memory"] = "auto",
    cancel: bool = False,
) -> pl.DataFrame:
    """Run `frame`; E303 when it takes longer than `timeout_s` (cancelled when `cancel`)."""
    if timeout_s is None:
        try:
            return frame.collect(engine=engine)
        except (Exception, pl.exceptions.PanicException) as exc:
            raise execution_error(exc) from exc
    if not cancel:
        return _collect_on_thread(frame, timeout_s, engine)
    return _collect_cancellable(frame, timeout_s)


def _collect_on_thread(
    frame: pl.LazyFrame, timeout_s: float, engine: Literal["auto", "streaming", "in-memory"]
) -> pl.DataFrame:
    outcome: list[pl.DataFrame | BaseException] = []

    def run() -> None:
        try:
            outcome.append(frame.collect(engine=engine))
        except BaseException as exc:  # a polars panic is a BaseException
            outcome.append(exc)

    # A daemon thread: an abandoned query never keeps the process from exiting.
    worker = threading.Thread(target=run, name="pesql-collect", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if not outcome:
        raise _timed_out(timeout_s)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise execution_error(result) from result
    return result


def _collect_cancellable(frame: pl.LazyFrame, timeout_s: float) -> pl.DataFrame:
    _forget_finished()
    try:
        query = frame.collect(background=True)
        deadline = time.monotonic() + timeout_s
        pause = 0.00002
        while True:
            result = query.fetch()
            if result is not None:
                return result
            if time.monotonic() >= deadline:
                query.cancel()
                _CANCELLED.append(query)
                raise _timed_out(timeout_s)
            # Short first polls keep small queries fast; longer ones keep polling cheap.
            time.sleep(min(pause, max(deadline - time.monotonic(), 0.0)))
            pause = min(pause * 2, 0.02)
    except PesqlError:
        raise
    except (Exception, pl.exceptions.PanicException) as exc:  # a panic is a BaseException
        raise execution_error(exc) from exc


def collect_limited(frame: pl.LazyFrame, limits: Limits) -> tuple[pl.DataFrame, bool]:
    """The result within the time budget, cut to `max_rows`; (frame, truncated)."""
    if limits.max_rows is not None:
        # One extra row tells a result of exactly max_rows from a longer one.
        frame = frame.head(limits.max_rows + 1)
    result = collect_within(
        frame, limits.timeout_s, engine=limits.engine, cancel=limits.cancel_on_timeout
    )
    if limits.max_rows is not None and result.height > limits.max_rows:
        return result.head(limits.max_rows), True
    return result, False


def truncation_note(limits: Limits) -> Diagnostic:
    return Diagnostic.make(
        "E304",
        expected=str(limits.max_rows),
        severity="warning",
        hints=("aggregate, filter or LIMIT to see everything",),
    )


__all__ = [
    "Limits",
    "SizeLimits",
    "check_size",
    "collect_limited",
    "collect_within",
    "execution_error",
    "expr_depth",
    "truncation_note",
]
