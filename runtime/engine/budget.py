"""One time budget for a whole request: read, repair, compile, plan and run, then stop.

    >>> deadline = Deadline.after(5.0)
    >>> call_within(lambda: 6 * 7, deadline, "compiling")
    42
    >>> def spin() -> None:
    ...     while True:  # Python bytecode: interruptible (a long C call would not be)
    ...         pass
    >>> try:
    ...     call_within(spin, Deadline.after(0.05), "compiling")
    ... except PesqlError as exc:
    ...     print(exc.codes, exc.diagnostics[0].message)
    ('E303',) the time budget of 0.05 s ran out while compiling

A `Deadline` is a point on the monotonic clock; each stage gets what the stages before it left.
The Python stages (parse, repair, check, optimize, lowering to polars) cannot be cancelled by
polars, and a hostile plan can keep them busy for minutes (an OR chain of 10,000 terms took
22 s to compile). `call_within` runs such a stage in the caller's own thread and, at the
deadline, one long-lived watchdog thread raises `Interrupted` *inside* the caller's thread
(CPython's `PyThreadState_SetAsyncExc`): the stage unwinds at its next bytecode, its memory
is freed, and the caller gets E303. No thread is started per call: a thread start and join
cost 262 µs p50 (3.4 ms p90) on a busy 2-core machine, more than compiling a small plan
(issue 20); arming the watchdog is a heap push under a lock. Work inside one long C call (a
polars collect) is not interrupted this way: `limits.collect_within` stops polars itself.
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.record import Record, record

T = TypeVar("T")


class Interrupted(BaseException):
    """Raised inside a worker thread whose deadline passed (a BaseException, so that library
    code catching `Exception` does not swallow it)."""


@record(kw_only=False, slots=False)
class Deadline(Record):
    """A monotonic point in time, or None (no budget); `budget_s` is what was given."""

    at: float | None
    budget_s: float | None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        if seconds is None:
            return cls(None, None)
        return cls(time.monotonic() + seconds, seconds)

    def remaining(self) -> float | None:
        """Seconds left (never below 0), or None without a budget."""
        return None if self.at is None else max(self.at - time.monotonic(), 0.0)

    def expired(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at

    def check(self, stage: str) -> None:
        """E303 when the budget is spent (between stages: a cheap, exact check)."""
        if self.expired():
            raise self.exceeded(stage)

    def exceeded(self, stage: str) -> PesqlError:
        return timed_out(self.budget_s or 0.0, stage)


def timed_out(budget_s: float, stage: str) -> PesqlError:
    """E303: the budget of `budget_s` seconds ran out while `stage`."""
    return PesqlError(
        [
            Diagnostic.make(
                "E303",
                expected=f"{budget_s:g} s",
                found=stage,
                hints=(
                    "filter or aggregate earlier, or ask for fewer rows; a plan that is long "
                    "to compile (thousands of terms) is better written with IN or a shorter CASE",
                ),
            )
        ]
    )


def call_within(fn: Callable[[], T], deadline: Deadline, stage: str) -> T:
    """`fn()` in this thread, or E303 at the deadline with `fn` interrupted (see the module)."""
    if deadline.at is None:
        return fn()
    if deadline.expired():
        raise deadline.exceeded(stage)
    watch = _WATCHDOG.watch(deadline.at)
    try:
        value = fn()
        # No bytecode between fn's return and this store checks for pending exceptions
        # (CPython checks at calls and backward jumps): from here on nothing more is sent.
        watch.leaving = True
    except Interrupted:
        watch.leaving = True  # the first statement of the handler, for the same reason
        if not _release(watch):
            raise  # an outer budget's, on this same thread: that call_within reports it
        raise deadline.exceeded(stage) from None
    except BaseException:
        watch.leaving = True
        if _release(watch):  # the stage failed as the budget ran out: the budget is why
            raise deadline.exceeded(stage) from None
        raise
    if _release(watch):  # finished, but only after the deadline
        raise deadline.exceeded(stage)
    return value


def _release(watch: _Watch) -> bool:
    """Disarm `watch` (whether it fired); an `Interrupted` sent just before is absorbed."""
    while True:
        try:
            fired = _WATCHDOG.release(watch)
            if fired:
                _absorb()  # an Interrupted sent and not yet raised is raised here, and caught
            return fired
        except Interrupted:
            continue  # an outer budget of this thread that fired too sends its own again


def _absorb() -> None:
    """Give a pending asynchronous exception its chance to be raised: a call and a backward
    jump both check for one."""
    for _ in range(2):
        pass


@dataclass(eq=False)
class _Watch:
    """One `call_within` waiting for its deadline on the thread `ident`."""

    ident: int
    fired: bool = False
    leaving: bool = False  # fn is done: send nothing more
    released: bool = False


# While the watched thread is still inside fn after an `Interrupted` (one raised during a
# finalizer, `__del__` or a generator closed by the garbage collector, is swallowed by
# CPython: "Exception ignored in"), it is sent again at this interval.
RESEND_S = 0.05


class _Watchdog:
    """One daemon thread for every budget in the process: a heap of (deadline, watch).

    Arming and disarming take the lock and touch the heap; the thread is woken only when a
    new deadline comes before every other, so a steady stream of requests with the same
    budget never wakes it. Disarmed entries are dropped when they reach the top of the heap,
    or all at once when they outnumber the armed ones."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._heap: list[tuple[float, int, _Watch]] = []
        self._armed: dict[int, list[_Watch]] = {}  # thread ident -> its armed watches
        self._count = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, at: float) -> _Watch:
        watch = _Watch(threading.get_ident())
        with self._lock:
            heapq.heappush(self._heap, (at, next(self._count), watch))
            self._armed.setdefault(watch.ident, []).append(watch)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pesql-watchdog", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is watch:
                self._changed.notify()
            if len(self._heap) > 64 and len(self._heap) > 4 * sum(map(len, self._armed.values())):
                self._heap = [entry for entry in self._heap if not entry[2].released]
                heapq.heapify(self._heap)
        return watch

    def release(self, watch: _Watch) -> bool:
        with self._lock:
            if not watch.released:
                watch.released = True
                watch.leaving = True
                others = self._armed[watch.ident]
                others.remove(watch)
                if not others:
                    del self._armed[watch.ident]
            # One sent and not yet raised is absorbed by `_release` in the watched thread, not
            # withdrawn here: PyThreadState_SetAsyncExc(id, NULL) leaves CPython's eval
            # breaker set for good (3.11), which slows every later call and makes cProfile
            # loop forever at the next function entry.
            return watch.fired

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or self._heap[0][2].released):
                    _, _, watch = heapq.heappop(self._heap)
                    if watch.released or watch.leaving:
                        continue
                    if not watch.fired:
                        _quiet_unraisable()
                    watch.fired = True
                    _raise_in(watch.ident, Interrupted)
                    heapq.heappush(self._heap, (now + RESEND_S, next(self._count), watch))
                self._changed.wait(self._heap[0][0] - now if self._heap else None)


_WATCHDOG = _Watchdog()
# A forked child (the service's worker processes) has neither the watchdog thread nor the
# parent's callers, and the lock may have been held at the fork: it starts afresh.
os.register_at_fork(after_in_child=_WATCHDOG._reset)


def _quiet_unraisable() -> None:
    """Drop "Exception ignored" reports of `Interrupted` (a swallowed one is sent again)."""
    current = sys.unraisablehook
    if getattr(current, "_pesql_quiet", False):
        return

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, Interrupted):
            current(unraisable)

    hook._pesql_quiet = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


def _raise_in(ident: int, exc: type[BaseException]) -> None:
    """Schedule `exc` in the thread `ident` (raised at its next Python bytecode that checks).
    Never called with NULL to withdraw one: see `_Watchdog.release`."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exc))


__all__ = ["Deadline", "Interrupted", "call_within", "timed_out"]
