"""The data warnings' query rounds (runtime/engine/batched.py): results in the jobs' order,
several rounds, and a failing warning dropped while the others still report."""

from __future__ import annotations

import polars as pl
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.engine.batched import Queries, Rounds, run_rounds

FRAME = pl.LazyFrame({"a": [1, 2, 3], "s": ["1", "x", "3"]})


def count(frame: pl.LazyFrame, label: str) -> Queries[str]:
    [counted] = yield [frame.select(pl.len())]
    return [f"{label}: {counted.item()}"]


def two_rounds() -> Queries[str]:
    [first] = yield [FRAME.select(pl.col("a").max())]
    top = first.item()
    # The second query depends on the first one's answer.
    [second] = yield [FRAME.filter(pl.col("a") < top).select(pl.len())]
    return [f"below {top}: {second.item()}"]


def failing_query() -> Queries[str]:
    yield [FRAME.select(pl.col("s").cast(pl.Int64, strict=True))]  # "x" is no integer
    return ["never"]


def failing_build() -> Queries[str]:
    raise PesqlError([Diagnostic.make("E201", name="zz")])
    yield []  # a generator


def nothing_to_ask() -> Queries[str]:
    return ["at once"]
    yield []


def test_results_come_in_the_jobs_order_over_several_rounds() -> None:
    jobs = [count(FRAME, "all"), two_rounds(), count(FRAME.head(1), "head")]
    assert run_rounds(jobs) == ["all: 3", "below 3: 2", "head: 1"]


def test_a_warning_that_fails_is_dropped_and_the_others_report() -> None:
    for engine in ("in-memory", "streaming"):
        jobs = [count(FRAME, "before"), failing_query(), failing_build(), count(FRAME, "after")]
        assert run_rounds(jobs, engine) == ["before: 3", "after: 3"]


def test_a_job_without_queries_answers_at_once() -> None:
    assert run_rounds([nothing_to_ask(), count(FRAME, "n")]) == ["at once", "n: 3"]
    assert run_rounds([]) == []


def test_the_first_round_takes_the_callers_queries_and_a_job_joins_later() -> None:
    rounds = Rounds([count(FRAME, "a"), two_rounds(), count(FRAME, "c")])
    answer, failed = rounds.first(
        [FRAME.select(pl.col("a").sum()), FRAME.select(pl.col("s").cast(pl.Int64, strict=True))]
    )
    assert answer is not None and answer.item() == 6
    assert failed is None  # the caller's failing query: None, the jobs unharmed
    rounds.insert(1, count(FRAME.head(2), "b"))  # joins after the first round, keeps its place
    rounds.finish()
    assert rounds.found() == ["a: 3", "b: 2", "below 3: 2", "c: 3"]
