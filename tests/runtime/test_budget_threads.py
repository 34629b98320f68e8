"""The time budget costs no thread for small work (issue 20) and still stops long work.

`call_within` runs the stage in the caller's thread under one long-lived watchdog; a run whose
every step is estimated small collects on polars' in-memory engine in the caller's thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.engine.budget import Deadline, Interrupted, call_within
from pesql.runtime.engine.execute import SMALL_WORK_BYTES, Limits, compile

SALES = pl.DataFrame(
    {
        "region": ["North", "South", "East", "West"] * 25,
        "qty": list(range(100)),
        "price": [float(i % 7) for i in range(100)],
    }
)
PLAN = "FILTER region != 'North'\nDERIVE v = price * qty\nSORT v DESC\nLIMIT 5"


@pytest.fixture
def thread_starts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the threads started while the test runs (the watchdog is up before)."""
    call_within(lambda: None, Deadline.after(5.0), "warming up")  # starts the watchdog once
    started: list[str] = []
    original = threading.Thread.start

    def start(self: threading.Thread) -> None:
        started.append(self.name)
        original(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    yield started


def test_call_within_runs_in_the_callers_thread_and_starts_none(thread_starts: list[str]) -> None:
    caller = threading.get_ident()
    for _ in range(50):
        assert call_within(threading.get_ident, Deadline.after(5.0), "x") == caller
    assert thread_starts == []


def test_a_small_run_under_a_budget_starts_no_thread(thread_starts: list[str]) -> None:
    compiled = compile(PLAN, schema_from_polars(SALES.schema))
    result = compiled.collect(SALES, Limits(timeout_s=5.0))
    expected = (
        SALES.filter(pl.col("region") != "North")
        .with_columns(v=pl.col("price") * pl.col("qty"))
        .sort("v", descending=True)
        .head(5)
    )
    assert result.frame["v"].to_list() == expected["v"].to_list()
    assert thread_starts == []


def test_large_work_still_runs_on_a_stoppable_worker(thread_starts: list[str]) -> None:
    wide = pl.DataFrame({"a": range(SMALL_WORK_BYTES // 8 + 1)})  # over the small bound
    compiled = compile("SORT a DESC\nLIMIT 3", schema_from_polars(wide.schema))
    assert compiled.collect(wide, Limits(timeout_s=30.0)).frame["a"].to_list() == [
        wide.height - 1,
        wide.height - 2,
        wide.height - 3,
    ]
    assert thread_starts == ["pesql-collect"]


def _spin() -> None:
    while True:
        sum(range(100))


def test_the_interrupt_is_sent_again_when_the_stage_swallows_it() -> None:
    swallowed: list[bool] = []

    def stubborn() -> None:
        try:
            _spin()
        except BaseException:  # library code that catches everything, once
            swallowed.append(True)
        _spin()

    started = time.monotonic()
    with pytest.raises(PesqlError) as err:
        call_within(stubborn, Deadline.after(0.05), "compiling")
    assert err.value.codes == ("E303",)
    assert swallowed == [True]
    assert time.monotonic() - started < 2.0


def test_nested_budgets_report_the_one_that_ran_out() -> None:
    def inner(seconds: float) -> None:
        call_within(_spin, Deadline.after(seconds), "inner stage")

    with pytest.raises(PesqlError) as err:  # the outer budget is the shorter one
        call_within(lambda: inner(30.0), Deadline.after(0.05), "outer stage")
    assert err.value.codes == ("E303",)
    assert "outer stage" in err.value.diagnostics[0].message
    with pytest.raises(PesqlError) as err:  # the inner one is
        call_within(lambda: inner(0.05), Deadline.after(30.0), "outer stage")
    assert "inner stage" in err.value.diagnostics[0].message


def _work(loops: int) -> int:
    total = 0
    for i in range(loops):
        total += i
    return total


@given(st.lists(st.tuples(st.integers(0, 4000), st.floats(0.0001, 0.003)), max_size=30))
def test_no_interrupt_escapes_or_arrives_late(calls: list[tuple[int, float]]) -> None:
    # Deadlines close to the stage's own length: some finish, some are interrupted, some
    # finish as the deadline passes. Each call gives its value or E303, never `Interrupted`.
    for loops, seconds in calls:
        try:
            assert call_within(lambda n=loops: _work(n), Deadline.after(seconds), "x") == _work(
                loops
            )
        except PesqlError as exc:
            assert exc.codes == ("E303",)
    # Nothing sent for those calls arrives afterwards (a re-send comes within 50 ms).
    try:
        until = time.monotonic() + 0.12
        while time.monotonic() < until:
            _work(100)
    except Interrupted:  # pragma: no cover - the failure this test exists for
        pytest.fail("an Interrupted reached the caller after its call_within returned")


small_frames = st.lists(
    st.tuples(st.sampled_from(["North", "South", "East"]), st.integers(-5, 5)), max_size=40
).map(lambda rows: pl.DataFrame(rows, schema={"region": pl.String, "qty": pl.Int64}, orient="row"))


@given(small_frames)
def test_the_small_path_answers_as_the_streaming_engine(frame: pl.DataFrame) -> None:
    plan = "FILTER qty > 0\nGROUP_BY region COMPUTE n = COUNT(*), s = SUM(qty)\nSORT region"
    compiled = compile(plan, schema_from_polars(frame.schema))
    small = compiled.collect(frame, Limits(timeout_s=30.0)).frame
    streamed = compiled.collect(frame, Limits(timeout_s=30.0, engine="streaming")).frame
    assert small.equals(streamed)


_AFTER_A_RESENT_INTERRUPT = """
import cProfile, time
from pesql.runtime.engine.budget import Deadline, call_within
from pesql.grammar.diagnostics import PesqlError

def spin():
    end = time.monotonic() + 5
    while time.monotonic() < end:
        pass

def stubborn():
    try:
        spin()
    except BaseException:
        pass
    spin()

try:
    call_within(stubborn, Deadline.after(0.05), "stage")
except PesqlError:
    pass
profiler = cProfile.Profile()
profiler.enable()
total = sum(range(10))
profiler.disable()
print("profiled", total)
"""


def test_no_interrupt_state_is_left_behind_after_a_resent_interrupt() -> None:
    # Withdrawing a sent interrupt with PyThreadState_SetAsyncExc(id, NULL) left CPython's
    # eval breaker set for good: the next cProfile run looped forever (the bench smoke test
    # hung after this module's tests). A fresh process, so a regression fails, not hangs.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _AFTER_A_RESENT_INTERRUPT],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "profiled 45"
