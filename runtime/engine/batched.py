"""The data warnings' queries, collected together: one `pl.collect_all` per round.

Each warning that reads the data (runtime/engine/*_warnings.py) is a generator: it yields
the queries it needs as a list of LazyFrames, is sent their results in the same order, may
yield again (a second round that depends on the first), and returns its diagnostics.
`Rounds` (or `run_rounds`) drives them all side by side, so every round's queries of every
warning run in one call: polars then plans them together (a prefix of the plan shared by two
warnings is computed once) and runs them in parallel. On a 100-row table the three queries
of a 5-step plan took 864 µs one by one and 467 µs together (wall clock, p50;
docs/benchmarks.md "Issue 20, data warnings").

A warning whose query fails (a PolarsError, or a PesqlError while it builds one) is dropped;
the others still report: a warning that cannot be computed is not worth an error.

    >>> import polars as pl
    >>> def rows_of(frame):
    ...     [counted] = yield [frame.select(pl.len())]
    ...     return [f"{counted.item()} rows"]
    >>> run_rounds([rows_of(pl.LazyFrame({"a": [1, 2]})), rows_of(pl.LazyFrame({"a": [3]}))])
    ['2 rows', '1 rows']
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Generic, TypeVar

import polars as pl
from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.engine.limits import PolarsEngine

T = TypeVar("T")
# Yields each round's queries, is sent their results, returns what it found.
Queries = Generator[list[pl.LazyFrame], list[pl.DataFrame], list[T]]


def run_rounds(jobs: Sequence[Queries[T]], engine: PolarsEngine = "auto") -> list[T]:
    """Every job's findings, in the jobs' order; each round's queries in one collect."""
    rounds = Rounds(jobs, engine)
    rounds.finish()
    return rounds.found()


class Rounds(Generic[T]):
    """The jobs' rounds, run one at a time: `first` collects the first round with queries of
    the caller's own (the answer itself, so that it shares one collect with the warnings
    about it), `insert` adds a job that needed that answer, `finish` runs the rest."""

    def __init__(self, jobs: Sequence[Queries[T]], engine: PolarsEngine = "auto") -> None:
        self.engine = engine
        # Per job, in the findings' order: the job, what it found, its queries waiting for
        # the next round (None when it waits for nothing).
        self.jobs: list[Queries[T]] = []
        self._found: list[list[T]] = []
        self._pending: list[list[pl.LazyFrame] | None] = []
        for job in jobs:
            self.insert(len(self.jobs), job)

    def insert(self, position: int, job: Queries[T]) -> None:
        """Add `job` at `position` of the findings' order, and start it."""
        self.jobs.insert(position, job)
        self._found.insert(position, [])
        self._pending.insert(position, None)
        self._advance(position, None)

    def first(self, extra: Sequence[pl.LazyFrame] = ()) -> list[pl.DataFrame | None]:
        """Run one round with `extra` queries in it; their results (None where one failed)."""
        return self._round(list(extra))

    def finish(self) -> None:
        while any(self._pending):
            self._round([])

    def found(self) -> list[T]:
        return [item for items in self._found for item in items]

    def _round(self, extra: list[pl.LazyFrame]) -> list[pl.DataFrame | None]:
        waiting = [(i, q) for i, q in enumerate(self._pending) if q]
        self._pending = [None] * len(self.jobs)
        queries = extra + [q for _, asked in waiting for q in asked]
        results = _collect(queries, self.engine) if queries else []
        start = len(extra)
        for i, asked in waiting:
            got = results[start : start + len(asked)]
            start += len(asked)
            if any(r is None for r in got):
                self.jobs[i].close()  # one of its queries failed: no warning from it
                continue
            self._advance(i, got)  # type: ignore[arg-type]
        return results[: len(extra)]

    def _advance(self, index: int, results: list[pl.DataFrame] | None) -> None:
        job = self.jobs[index]
        try:
            queries = next(job) if results is None else job.send(results)
        except StopIteration as done:
            self._found[index] = done.value
        except (pl.exceptions.PolarsError, PesqlError):
            pass  # it failed while building a query or reading a result: dropped
        else:
            if queries:
                self._pending[index] = queries
            else:  # nothing to ask this round: answer at once
                self._advance(index, [])


def _collect(queries: list[pl.LazyFrame], engine: PolarsEngine) -> list[pl.DataFrame | None]:
    """The queries' results; None for each one that fails (found by running them one by one
    after the batch failed)."""
    try:
        return list(pl.collect_all(queries, engine=engine))
    except pl.exceptions.PolarsError:
        pass
    out: list[pl.DataFrame | None] = []
    for query in queries:
        try:
            out.append(query.collect(engine=engine))
        except pl.exceptions.PolarsError:
            out.append(None)
    return out


__all__ = ["Queries", "Rounds", "run_rounds"]
