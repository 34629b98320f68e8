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
22 s to compile). `call_within` runs such a stage on a worker thread and, at the deadline,
raises `Interrupted` *inside* that thread (CPython's `PyThreadState_SetAsyncExc`): the stage
unwinds at its next bytecode and its memory is freed, instead of running on unobserved as an
abandoned thread would. The caller gets E303 at once. Work inside one long C call (a polars
collect) is not interrupted this way; `limits.collect_limited` stops polars itself.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pesql.grammar.diagnostics import Diagnostic, PesqlError

T = TypeVar("T")


class Interrupted(BaseException):
    """Raised inside a worker thread whose deadline passed (a BaseException, so that library
    code catching `Exception` does not swallow it)."""


@dataclass(frozen=True)
class Deadline:
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
    """`fn()`, or E303 at the deadline with `fn` interrupted in its thread (see the module)."""
    if deadline.at is None:
        return fn()
    call = _Call(fn)
    worker = threading.Thread(target=call.run, name=f"pesql-{stage.split()[0]}", daemon=True)
    worker.start()
    if not call.done.wait(deadline.remaining()) and call.interrupt(worker):
        raise deadline.exceeded(stage)
    ok, value = call.outcome[0]
    if ok:
        return value  # type: ignore[return-value]  # what `fn` returned
    assert isinstance(value, BaseException)
    raise value


class _Call:
    """One interruptible call on a worker thread, and its handshake with the interrupter.

    An `Interrupted` raised while the worker runs a finalizer (`__del__`, triggered by the
    garbage collector at any allocation) is swallowed by CPython ("Exception ignored in"), so
    one is sent again every 50 ms until the worker acknowledges; once it has, none is sent,
    and the worker absorbs one that was already on its way, rather than letting it surface in
    threading's own code."""

    def __init__(self, fn: Callable[[], object]) -> None:
        self.fn = fn
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.outcome: list[tuple[bool, object]] = []
        self.interrupted = False
        self.acknowledged = False

    def run(self) -> None:
        try:
            try:
                result: tuple[bool, object] = (True, self.fn())
            except Interrupted:
                raise
            except BaseException as exc:  # handed to the caller, raised in its thread
                result = (False, exc)
            with self.lock:
                if not self.interrupted:
                    self.outcome.append(result)
                    self.acknowledged = True
                    self.done.set()
                    return
        except Interrupted:
            pass
        while True:
            try:
                with self.lock:
                    self.acknowledged = True
                break
            except Interrupted:
                continue
        until = time.monotonic() + 0.05
        while time.monotonic() < until:
            try:
                time.sleep(0.001)
            except Interrupted:
                continue

    def interrupt(self, worker: threading.Thread) -> bool:
        """Interrupt the worker unless it has just finished; whether it was interrupted."""
        with self.lock:
            if self.done.is_set():
                return False
            self.interrupted = True
            _quiet_unraisable()
            _raise_in(worker)
        threading.Thread(
            target=self._resend, args=(worker,), name="pesql-interrupt", daemon=True
        ).start()
        return True

    def _resend(self, worker: threading.Thread) -> None:
        while True:
            time.sleep(0.05)
            with self.lock:
                if self.acknowledged or not worker.is_alive():
                    return
                _raise_in(worker)


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


def _raise_in(thread: threading.Thread) -> None:
    """Schedule `Interrupted` in `thread` (delivered at its next Python bytecode)."""
    ident = thread.ident
    if ident is None:
        return
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(Interrupted))


__all__ = ["Deadline", "Interrupted", "call_within", "timed_out"]
