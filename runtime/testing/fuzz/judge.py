"""Judging one call of an entry point: its outcome, its time against the limit, a hard stop.

- "ok": a result; "refused": a `PesqlError` or a `Refused` (the CLI exited 1 or 2, the
  service answered 4xx);
- "bug": any other exception (a panic of polars' Rust code included), the CLI's exit code
  3 ("internal error"), a 5xx from the service;
- "slow": the call ran past its time limit (`time_limit(value)`: 1 s for inputs under
  100 KB), and is stopped by SIGALRM at `HARD_STOP` times the limit so that a hang cannot
  hold the run. The time is the smaller of wall time and CPU time (`cpu`: this process's by
  default, the server's for `pesql serve`): other processes on a loaded machine inflate the
  first, polars' worker threads the second.

    >>> judge(lambda v: int(v), "12").kind, judge(lambda v: int(v), "x").kind
    ('ok', 'bug')
"""

from __future__ import annotations

import contextlib
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pesql.grammar.diagnostics import PesqlError

OutcomeKind = Literal["ok", "refused", "bug", "slow"]
SMALL_INPUT = 100_000  # characters: below this, one call must finish within `LIMIT_S`
LIMIT_S = 1.0
# Times the limit: a call still running then (wall time) is interrupted and "slow". Wide: on a
# loaded machine a call using 0.8 s of CPU took 4-9 s of wall time, and at 10 times an
# `eval` input was stopped though it was not slow (the limit itself is judged on CPU too).
HARD_STOP = 30.0


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    seconds: float
    detail: str = ""  # the exception (bug) or the codes (refused)
    value: Any = None  # the input, kept for a bug or a slow call only (to report and replay)


class Refused(Exception):
    """The input was refused cleanly: the CLI exited 1 (diagnostics) or 2 (usage), or the
    service answered 4xx with its diagnostics."""


class _Interrupted(BaseException):
    """Raised by the alarm inside a call that ran past its hard stop (never caught by pesql)."""


def size_of(value: Any) -> int:
    """Characters of an input: a text's length, or the sum over a dict's or list's texts."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, dict):
        return sum(size_of(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(size_of(v) for v in value)
    return 0


def time_limit(value: Any) -> float:
    """The time one call may take: `LIMIT_S` under `SMALL_INPUT` characters, more above."""
    return LIMIT_S * max(1.0, size_of(value) / SMALL_INPUT)


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def interrupt(signum: int, frame: Any) -> None:
        raise _Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def judge(
    run: Callable[[Any], Any], value: Any, cpu: Callable[[], float] = time.process_time
) -> Outcome:
    """Run `run(value)` under the alarm and say what happened."""
    limit = time_limit(value)
    start, cpu_start = time.perf_counter(), cpu()
    kind: OutcomeKind
    detail = ""
    try:
        with _alarm(limit * HARD_STOP):
            run(value)
        kind = "ok"
    except PesqlError as exc:
        kind, detail = "refused", ",".join(exc.codes)
    except Refused as exc:
        kind, detail = "refused", str(exc)
    except _Interrupted:
        kind, detail = "slow", f"interrupted after {limit * HARD_STOP:g} s"
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # the harness exists to find these (pyo3 panics included)
        kind, detail = "bug", f"{type(exc).__name__}: {str(exc)[:300]}"
    seconds = min(time.perf_counter() - start, cpu() - cpu_start)
    if kind != "bug" and seconds > limit:
        kind, detail = "slow", f"{seconds:.2f} s > {limit:g} s ({detail or 'ok'})"
    return Outcome(kind, seconds, detail, value if kind in ("bug", "slow") else None)


def rss_mb() -> float:
    """Peak resident set size of this process, in MB (Linux reports kB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


__all__ = ["HARD_STOP", "LIMIT_S", "SMALL_INPUT", "Outcome", "Refused", "judge", "rss_mb"]
