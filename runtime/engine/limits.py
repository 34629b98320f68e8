"""Execution limits: plan size (E301), expression depth (E302), time (E303), output rows (E304).

    >>> Limits(max_rows=100, timeout_s=5.0).max_steps
    64

The size limits are the compiler's (`pesql.compiler.check.size`: `SizeLimits`, `check_size`,
`expr_depth`, re-exported here), checked once when a plan is compiled, before anything runs.

Under a time budget (or a result-size budget) the query's batches are gathered on a worker
thread from polars' streaming engine (small work runs in the caller's thread instead:
execute.SMALL_WORK_BYTES, docs/execution.md#engines); past the deadline the caller gets
E303 at once and the worker drops the batch iterator at the next batch, which stops polars
(its memory comes back). A result that grows past `max_result_bytes` while running is E311,
stopped the same way; the estimate before running (runtime/engine/estimate.py) catches most
such plans without running them. The deadline itself (`budget.Deadline`) may be shared with
the stages before (repair, compile): `Runtime.execute` gives the whole request one budget.

Polars errors (a strict CAST of a bad value, an invalid regex) become E305 with polars'
first message line, never a traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Literal

import polars as pl
from pesql.compiler.backends.polars.integers import OVERFLOW_MARK
from pesql.compiler.check.size import SizeLimits, check_size, expr_depth
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.numbers import ROW_INDEX_MAX
from pesql.grammar.origin import Origin
from pesql.grammar.record import record
from pesql.runtime.engine.budget import Deadline

# polars' engines: "auto" (polars' own choice), "streaming" or "in-memory".
PolarsEngine = Literal["auto", "streaming", "in-memory"]


@record(kw_only=False, slots=False)
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
    engine: PolarsEngine = "auto"
    # Bytes an intermediate or final result may take: estimated per step before running
    # (width x rows, runtime/engine/estimate.py), and counted on the result while it runs.
    max_result_bytes: int | None = 1 << 30
    # Data-aware warnings (W301, W302; runtime/engine/data_warnings.py; W330, W331 of joins:
    # runtime/engine/joins.py): a few cheap queries over the source after the run.
    data_warnings: bool = True
    # An upper bound on the rows JOINs may produce, estimated before running (E331).
    max_join_rows: int | None = 10_000_000


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
    if OVERFLOW_MARK in problem:  # integer arithmetic past Int64 (compiler/.../integers.py)
        values = problem[problem.index(": [") :] if ": [" in problem else ""
        problem = f"integer overflow: a result is outside the 64-bit range (±9.2e18){values}"
        hints.append("CAST an operand to 'float' first, e.g. CAST(x, 'float') * y")
    elif "from `u64` to `i64` failed" in problem:  # a UInt64 column's value past Int64
        problem = f"a column holds integers beyond the 64-bit range of p-SQL's integer: {problem}"
        hints.append("convert the column to float before giving the table to pesql")
    elif "conversion" in problem or "strict" in problem or "cast" in problem.lower():
        hints.append("use TRY_CAST to get null where a value does not convert")
    if "regex" in problem.lower():
        hints.append("check the regular expression (Rust regex syntax, no look-around)")
    return PesqlError([Diagnostic.make("E305", problem=problem, hints=hints)])


def collect_within(
    frame: pl.LazyFrame,
    timeout_s: float | None,
    *,
    engine: Literal["auto", "streaming", "in-memory"] = "auto",
    max_result_bytes: int | None = None,
    deadline: Deadline | None = None,
    small: bool = False,
    run: Callable[[pl.LazyFrame], pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Run `frame`; E303 past `timeout_s` (or `deadline`), E311 past `max_result_bytes`.

    `small`: the caller estimated the work as small (execute.SMALL_WORK_BYTES): it runs on
    polars' in-memory engine in this thread, with no worker to stop it (there is nothing long
    to stop), and the budgets are checked when it is done; `run` then collects it (the
    caller's collect, which takes other queries along: execute.py)."""
    deadline = deadline or Deadline.after(timeout_s)
    if small or (deadline.at is None and max_result_bytes is None):
        try:
            if small and run is not None:
                result = run(frame)
            else:
                result = frame.collect(engine="in-memory" if small else engine)
        except (Exception, pl.exceptions.PanicException) as exc:
            raise execution_error(exc) from exc
        deadline.check("running the query")
        if max_result_bytes is not None and (size := result.estimated_size()) > max_result_bytes:
            raise result_too_large(f"{size} bytes", max_result_bytes, "running")
        return result
    return _collect_streamed(frame, deadline, engine, max_result_bytes)


def _collect_streamed(
    frame: pl.LazyFrame,
    deadline: Deadline,
    engine: Literal["auto", "streaming", "in-memory"],
    max_result_bytes: int | None,
) -> pl.DataFrame:
    """The query's batches, gathered on a worker thread that stops polars when told to.

    polars' streaming engine stops a query once the consumer drops its batch iterator (its
    memory is back within a second, measured); `InProcessQuery.cancel()` did not stop a
    running in-memory query at all (polars 2.1: 8 GB and rising, 10 s after the cancel)."""
    stop = threading.Event()
    done = threading.Event()
    outcome: list[pl.DataFrame | BaseException] = []

    def run() -> None:
        try:
            outcome.append(_gather(frame, engine, max_result_bytes, stop))
        except BaseException as exc:  # a polars panic is a BaseException
            outcome.append(exc)
        finally:
            done.set()

    # A daemon thread: a query stuck in one long operator never keeps the process alive.
    threading.Thread(target=run, name="pesql-collect", daemon=True).start()
    if not done.wait(deadline.remaining()):
        stop.set()  # the worker drops the iterator at its next batch: polars stops
        raise deadline.exceeded("running the query")
    result = outcome[0]
    if isinstance(result, PesqlError):
        raise result
    if isinstance(result, BaseException):
        raise execution_error(result) from result
    return result


def _gather(
    frame: pl.LazyFrame,
    engine: Literal["auto", "streaming", "in-memory"],
    max_result_bytes: int | None,
    stop: threading.Event,
) -> pl.DataFrame:
    # "auto" picks in-memory for frames in memory, which yields one batch at the very end:
    # nothing to stop between. Under a budget the streaming engine runs (docs/execution.md).
    batches = frame.collect_batches(engine="streaming" if engine == "auto" else engine)
    parts: list[pl.DataFrame] = []
    size = 0.0
    for batch in batches:
        if stop.is_set():
            return batch  # abandoned: the caller has its E303; dropping `batches` stops polars
        size += batch.estimated_size()
        if max_result_bytes is not None and size > max_result_bytes:
            raise result_too_large(f"more than {size:.0f} bytes", max_result_bytes, "running")
        parts.append(batch)
    if not parts:
        return pl.DataFrame(schema=frame.collect_schema())
    return pl.concat(parts, rechunk=False) if len(parts) > 1 else parts[0]


def result_too_large(
    found: str, budget: int, when: str, origin: Origin | None = None
) -> PesqlError:
    """E311: a result (estimated before running, or measured while running) past the budget."""
    return PesqlError(
        [
            Diagnostic.make(
                "E311",
                origin,
                found=found,
                expected=f"{budget} bytes",
                when=when,
                hints=(
                    "filter, aggregate or SELECT fewer columns earlier; text that grows at "
                    "every step (CONCAT of a column with itself, REPLACE with a longer text) "
                    "grows exponentially",
                ),
            )
        ]
    )


def collect_limited(
    frame: pl.LazyFrame,
    limits: Limits,
    deadline: Deadline | None = None,
    *,
    small: bool = False,
    run: Callable[[pl.LazyFrame], pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, bool]:
    """The result within the time budget, cut to `max_rows`; (frame, truncated). `small` and
    `run`: as in `collect_within`."""
    if limits.max_rows is not None:
        # One extra row tells a result of exactly max_rows from a longer one.
        frame = frame.head(limits.max_rows + 1)
    result = collect_within(
        frame,
        limits.timeout_s,
        engine=limits.engine,
        max_result_bytes=limits.max_result_bytes,
        deadline=deadline,
        small=small,
        run=run,
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
    "PolarsEngine",
    "SizeLimits",
    "check_size",
    "collect_limited",
    "collect_within",
    "execution_error",
    "expr_depth",
    "result_too_large",
    "truncation_note",
]
