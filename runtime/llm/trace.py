"""Trace of one `ask`: every request, response, retry, repair and diagnostic, as JSON lines.

    >>> trace = Trace()
    >>> event = trace.emit("request", 1, model="gpt-4o-mini")
    >>> trace.of("request")[0].data["model"]
    'gpt-4o-mini'
    >>> trace.to_jsonl().startswith('{"event":"request"')
    True

With a `sink` (an open text file), each event is written and flushed as it happens, so a run
that fails, or is interrupted, still leaves everything up to that point on disk
(`pesql ask --trace FILE`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

__all__ = ["EventKind", "Trace", "TraceEvent"]

EventKind = Literal[
    "start",  # question, model, tables, profile name, prompt and tool token counts
    "request",  # one HTTP request: attempt, try, message count, estimated prompt tokens
    "response",  # its answer: latency to first byte and total, usage, finish reason, output
    "cache_hit",  # an answer replayed from the response cache (no request was sent): its output
    "transport_error",  # a failed request: kind, status, message
    "retry",  # waiting before the next try: reason and delay
    "repair",  # fixes made to the model's arguments, by kind
    "diagnostics",  # what was wrong with an attempt's plan (sent back to the model)
    "executed",  # the plan ran: rows, columns, truncated, elapsed
    "done",  # the answer: attempts, tokens, latency
    "failed",  # the ask gave up: the diagnostics raised
]


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One event: what happened, when (seconds since the trace began), in which attempt."""

    kind: EventKind
    at_s: float
    attempt: int
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.kind,
            "at_s": round(self.at_s, 6),
            "attempt": self.attempt,
            **self.data,
        }


class Trace:
    """An append-only list of events, optionally mirrored to a JSON-lines sink."""

    def __init__(
        self, sink: TextIO | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.events: list[TraceEvent] = []
        self._sink = sink
        self._clock = clock
        self._started = clock()

    def emit(self, kind: EventKind, attempt: int = 0, /, **data: Any) -> TraceEvent:
        # Positional-only, so `kind=` and `attempt=` stay free for the data (a failure's kind).
        event = TraceEvent(kind, self._clock() - self._started, attempt, data)
        self.events.append(event)
        if self._sink is not None:
            self._sink.write(_line(event) + "\n")
            self._sink.flush()
        return event

    def of(self, *kinds: EventKind) -> list[TraceEvent]:
        """The events of the given kinds, in order."""
        return [e for e in self.events if e.kind in kinds]

    def to_jsonl(self) -> str:
        return "".join(_line(e) + "\n" for e in self.events)

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.to_jsonl(), encoding="utf-8")

    def __iter__(self) -> Iterator[TraceEvent]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)


def read_trace(path: str | Path) -> list[dict[str, Any]]:
    """The events of a trace file, as dicts (for tests and notebooks)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _line(event: TraceEvent) -> str:
    # default=str: a stray non-JSON value (a Path, a datetime sample) must not lose the trace.
    return json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":"), default=str)
