"""The frame before each step of a checked plan, for the data warnings that re-run a prefix.

W302 (the FILTER that emptied the answer), W305 (a LIMIT that cuts through a tie) and
W307/W308 (a GROUP_BY that does not group) each run the plan up to one step again. Each used
to check and lower its prefix anew; lowering the plan once (`step_frames`) gives every one of
them the same frame (a step's lowering depends only on the steps before it), and saved ~1 ms
of a 3.4 ms run on a 100-row table (docs/benchmarks.md, "Issue 20, data warnings").

A step after a JOIN or LOOKUP has no prefix here: its input is not measured (the joined
tables are not re-read for a warning), so those steps get no such warning.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from pesql.compiler.backends.polars.lower import step_frames
from pesql.compiler.check.check import CheckedPlan
from pesql.grammar.ops.joins import Join, Lookup


class Prefixes:
    """`before(i)`: the plan's input to step `i` as a LazyFrame (lowered on first use)."""

    __slots__ = ("_checked", "_frames", "_keep", "_lowered", "_source", "_stop")

    def __init__(
        self,
        checked: CheckedPlan,
        source: pl.LazyFrame,
        lowered: list[pl.LazyFrame] | None = None,
        keep: Callable[[int, Callable[[], list[pl.LazyFrame]]], list[pl.LazyFrame]] | None = None,
    ) -> None:
        """`lowered`: `step_frames` of a plan whose steps are `checked`'s but maybe the last
        (the answer's own lowering, when the optimizer changed nothing and the last LIMIT
        keeps a row more): the input of every step is then already built. On a 100-row
        table lowering the plan again was ~80 µs of the warnings' ~300. `keep(stop, lower)`:
        `lower()` (the plan lowered up to `stop`), or what a compiled plan kept of it while
        the source lives."""
        self._checked = checked
        self._source = source
        self._lowered = lowered
        self._keep = keep
        steps = checked.plan.steps
        self._stop = next(
            (i for i, s in enumerate(steps) if isinstance(s, Join | Lookup)), len(steps)
        )
        self._frames: list[pl.LazyFrame] | None = None

    def before(self, index: int) -> pl.LazyFrame | None:
        """The input of step `index` (`index` = the number of steps: the result); None past
        a JOIN or LOOKUP."""
        if index > self._stop:
            return None
        lowered = self._lowered
        if lowered is not None and index < min(len(lowered), len(self._checked.plan.steps)):
            return lowered[index]  # the input of a step: the same steps before it
        if self._frames is None:
            checked, source, stop = self._checked, self._source, self._stop

            def lower() -> list[pl.LazyFrame]:
                return step_frames(checked, source, stop=stop)

            self._frames = lower() if self._keep is None else self._keep(stop, lower)
        return self._frames[index]


__all__ = ["Prefixes"]
