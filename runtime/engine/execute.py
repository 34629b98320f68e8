"""Compile a plan once, run it on tables many times, within limits.

    >>> import polars as pl
    >>> frame = pl.DataFrame({"price": [3.0, 12.5, 40.0]})
    >>> execute("FILTER price > 10\\nSORT price DESC", frame).frame["price"].to_list()
    [40.0, 12.5]

`compile` is the compiler's (`pesql.compiler.pipeline.compile`: read -> size limits -> type
check -> optimize, each once) with this module's `CompileCache` instance, building a
`CompiledPlan`: the compiler's `Compiled` plus execution limits. `CompiledPlan.collect` lowers
to polars and runs with the time budget and the row limit. See docs/execution.md.
"""

from __future__ import annotations

import dataclasses
import functools
import time
import weakref
from collections.abc import Callable, Collection, Mapping
from dataclasses import field
from pathlib import Path
from typing import TypeAlias

import polars as pl
from pesql.compiler.backends.polars.dtypes import polars_dtype, schema_from_polars
from pesql.compiler.backends.polars.lower import step_frames, to_polars
from pesql.compiler.check.check import CheckedPlan
from pesql.compiler.check.schema import Schema
from pesql.compiler.pipeline import (
    COMPILE_CACHE_SIZE,
    CacheInfo,
    CompileCache,
    Compiled,
    PlanSource,
    as_plan,
)
from pesql.compiler.pipeline import compile as compile_plan
from pesql.grammar.ast import Plan, Step
from pesql.grammar.diagnostics import Diagnostic, PesqlError, nearest
from pesql.grammar.ops.rows import Limit, Sort
from pesql.grammar.record import Record, record
from pesql.grammar.registry import Naming
from pesql.runtime.engine.batched import Rounds
from pesql.runtime.engine.budget import Deadline, call_within
from pesql.runtime.engine.data_warnings import (
    Probe,
    distinct_probes,
    empty_result_warning,
    literal_warnings,
)
from pesql.runtime.engine.estimate import (
    TableStats,
    check_estimate,
    live_columns,
    row_widths,
    table_stats,
)
from pesql.runtime.engine.group_warnings import group_warnings
from pesql.runtime.engine.joins import check_cardinality, join_warnings
from pesql.runtime.engine.limits import (
    Limits,
    PolarsEngine,
    check_size,
    collect_limited,
    execution_error,
    truncation_note,
)
from pesql.runtime.engine.order_warnings import (
    OrderUse,
    cut_limits,
    text_order_uses,
    text_order_warnings,
    tie_warnings,
)
from pesql.runtime.engine.prefixes import Prefixes
from pesql.runtime.engine.summary_warnings import summary_warnings
from pesql.runtime.engine.value_hints import with_value_hints
from pesql.runtime.tables.catalog import Catalog
from pesql.runtime.tables.table import Table, load_table

Frame: TypeAlias = pl.DataFrame | pl.LazyFrame
Tables: TypeAlias = Catalog | Mapping[str, Frame | Table] | Frame | Table


@record(kw_only=False, slots=False)
class Result(Record):
    """One execution: the (possibly truncated) frame, timing, and the compile/run notes."""

    frame: pl.DataFrame
    truncated: bool
    elapsed_s: float
    notes: tuple[Diagnostic, ...]


@record(kw_only=False, slots=False)
class CompiledPlan(Compiled):
    """A checked (and optimized) plan, reusable on any tables that fit its schema.

    `plan` is what runs (checked, exact column names, optimized), `checked` the plan as
    written after the checker, `optimized` the `CheckedPlan` of what runs, `limits` the
    default limits of `collect` (its size limits were checked when compiling)."""

    limits: Limits = field(default_factory=Limits)

    @functools.cached_property
    def live(self) -> list[set[str]]:
        """`estimate.live_columns` of what runs: read by every collect, so computed once."""
        return live_columns(self.optimized)

    @functools.cached_property
    def tie_limit(self) -> Limit | None:
        """The plan's last step when W305 can read it from the answer: a LIMIT without ties
        after an order, the only LIMIT of what runs (a copy pushed down would cut the answer
        first), the same in the plan as written. The run then keeps one row more
        (`_with_next_row`), which shows whether the cut splits a tie without running the
        plan again."""
        written, runs = self.checked.plan.steps, self.optimized.plan.steps
        cut = [limit for index, limit, _ in cut_limits(written) if index == len(written) - 1]
        if (
            not cut
            or not runs
            or cut[0] != runs[-1]
            or sum(isinstance(s, Limit) for s in runs) != 1
        ):
            return None
        return cut[0]

    @functools.cached_property
    def _with_next_row(self) -> CheckedPlan:
        """What runs, its last LIMIT keeping one row more (see `tie_limit`)."""
        assert self.tie_limit is not None
        plan = self.optimized.plan
        longer = dataclasses.replace(self.tie_limit, count=self.tie_limit.count + 1)
        steps = (*plan.steps[:-1], longer)
        return dataclasses.replace(self.optimized, plan=dataclasses.replace(plan, steps=steps))

    def lazy(self, tables: Tables) -> pl.LazyFrame:
        """The plan over the table it reads, as a polars LazyFrame (nothing runs yet)."""
        source, joined = self._inputs(tables)
        return to_polars(self.optimized, source, joined)

    def _inputs(self, tables: Tables) -> tuple[pl.LazyFrame, dict[str, pl.LazyFrame]]:
        """The source frame and the frames JOIN/LOOKUP read, each checked against its schema."""
        source = _source_frame(tables, self.checked.table)
        _check_fits(source, self.checked.input_schema)
        joined = {}
        for name, schema in self.checked.joined:
            joined[name] = _source_frame(tables, name)
            _check_fits(joined[name], schema)
        return source, joined

    def collect(
        self, tables: Tables, limits: Limits | None = None, *, deadline: Deadline | None = None
    ) -> Result:
        """Run the plan: E303 past the time budget (`deadline` when the stages before shared
        it), E311 past the result-size budget, truncated (E304 note) past max_rows."""
        limits = limits or self.limits
        if limits.timeout_s is None and limits.max_result_bytes is None and deadline is None:
            # Without a budget nothing needs stopping: polars' fastest engine for the source.
            # With one, "auto" runs streaming (limits.collect_within), which can be stopped.
            limits = engine_for(tables, self.checked.table, limits, self.plan)
        deadline = deadline or Deadline.after(limits.timeout_s)
        if limits.size != self.limits.size:  # compiling checked the plan against self.limits
            check_size(self.plan, limits)
        started = time.perf_counter()
        # With the data warnings on, a plan ending in a LIMIT after an order runs with one row
        # more, cut below: W305 reads the tie from it (unless max_rows would cut it first).
        tie = self.tie_limit if limits.data_warnings else None
        if tie is not None and limits.max_rows is not None and tie.count >= limits.max_rows:
            tie = None
        to_run = self._with_next_row if tie is not None else self.optimized

        def prepared() -> tuple[list[pl.LazyFrame], bool]:
            # The stages before the run, under one budget: the inputs read once, the joins'
            # cardinality (E330, E331), the size estimate (E311, and whether the work is
            # small), lowering.
            source, joined = self._inputs(tables)
            if self.checked.joined:
                _guarded(
                    lambda: check_cardinality(self.checked, source, joined, limits.max_join_rows)
                )
            small = False
            # The statistics of a table in memory are cheap (and cached); a file's are a
            # scan, made only for the E311 estimate.
            wanted = limits.engine == "auto" and _in_memory(tables, self.checked.table)
            if limits.max_result_bytes is not None or wanted:
                stats = self._stats(tables)
                widths = self._row_widths(stats)
                largest = check_estimate(
                    self.optimized, stats, limits.max_result_bytes, self.live, widths
                )
                small = _small_work(self, limits, largest, stats.rows)
            return self._lowered(to_run, source, joined), small

        frames, small = call_within(prepared, deadline, "preparing the query")
        lazy = frames[-1]
        # The warnings re-run prefixes of the plan as written: what runs has the same steps
        # when the optimizer changed nothing (but for the row `tie` adds to the last LIMIT),
        # and then its lowering gives them every prefix.
        lowered = frames if self.optimized is self.checked else None
        # Warnings are extra queries. Their queries read the source as the run did: small work
        # on the in-memory engine, and then the first round of them in the answer's own
        # collect (batched.Rounds), sharing what they compute in common with it.
        engine: PolarsEngine = "in-memory" if small else "auto"
        under_way = (
            self._warnings(tables, engine, tie is not None, lowered)
            if limits.data_warnings and small
            else None
        )
        run = under_way.collect_with_first_round if under_way is not None else None
        frame, truncated = collect_limited(lazy, limits, deadline, small=small, run=run)
        longer, frame = (frame, frame.head(tie.count)) if tie is not None else (None, frame)
        elapsed = time.perf_counter() - started
        notes = self.checked.notes + ((truncation_note(limits),) if truncated else ())
        if limits.data_warnings and not deadline.expired():
            # Within what is left of the budget, or dropped.

            def warnings_of_the_run() -> list[Diagnostic]:
                found = self._data_warnings(tables, frame.height == 0, engine, under_way, longer)
                if not truncated:  # W310 compares whole answers
                    found += self._summary_warnings(tables, frame, engine)
                return found

            try:
                warnings = call_within(warnings_of_the_run, deadline, "looking for data warnings")
            except PesqlError:
                warnings = []
            notes += tuple(warnings)
        return Result(frame, truncated, elapsed, notes)

    # What the data warnings find in the plan as written (its literals, its orderings of
    # text): the same for every collect, so found once (~30 µs a collect on a 5-step plan).
    @functools.cached_property
    def _probes(self) -> list[Probe]:
        return distinct_probes(self.checked)

    @functools.cached_property
    def _text_order_uses(self) -> list[OrderUse]:
        return text_order_uses(self.checked)

    @functools.cached_property
    def _lowered_kept(
        self,
    ) -> dict[
        tuple[int, int, int | None],
        tuple[weakref.ref[pl.LazyFrame], CheckedPlan, list[pl.LazyFrame], pl.LazyFrame | None],
    ]:
        """Per (source frame still alive, plan, last step): that plan lowered over the frame,
        without the frame itself (the entry must not keep it alive; it goes when the frame
        does), and apart the source as the steps read it (`widened`) unless that is the source
        itself. The plans are this compiled plan's own: what runs, and the plan as written
        whose prefixes the warnings re-run."""
        return {}

    def _lowered(
        self, plan: CheckedPlan, source: pl.LazyFrame, joined: dict[str, pl.LazyFrame]
    ) -> list[pl.LazyFrame]:
        """`step_frames(plan, source, joined)`, kept while `source` lives (`_kept`); a plan
        with joins reads several sources, and is lowered each time."""
        if joined:
            return step_frames(plan, source, joined)
        return self._kept(plan, source, None, lambda: step_frames(plan, source))

    def _kept(
        self,
        plan: CheckedPlan,
        source: pl.LazyFrame,
        stop: int | None,
        lower: Callable[[], list[pl.LazyFrame]],
    ) -> list[pl.LazyFrame]:
        """`lower()`, the frames of `plan` lowered over `source` (up to step `stop`), kept
        while `source` lives. A table the service or the model loop holds (`Table.frame`) is
        the same frame on every request, and lowering the plan again cost 150-200 µs of each
        collect of a 5-step plan; a DataFrame's `.lazy()` is a new frame each time, so it is
        lowered each time."""
        kept = self._lowered_kept
        key = (id(source), id(plan), stop)
        found = kept.get(key)
        if found is not None and found[0]() is source and found[1] is plan:
            return [source if found[3] is None else found[3], *found[2]]
        frames = lower()
        if len(kept) >= _LOWERED_KEPT:
            kept.clear()
        # The widened source is a frame of its own (kept); the source itself is not.
        first = None if frames[0] is source else frames[0]
        kept[key] = (weakref.ref(source, lambda _: kept.pop(key, None)), plan, frames[1:], first)
        return frames

    @functools.cached_property
    def _widths_seen(self) -> dict[tuple[tuple[str, float], ...], list[tuple[Step, float]]]:
        """`estimate.row_widths` of what runs, per text-width statistics seen: a collect on a
        table seen before multiplies these by its rows instead of walking the plan again."""
        return {}

    def _row_widths(self, stats: TableStats) -> list[tuple[Step, float]]:
        key = tuple(sorted(stats.text_bytes.items()))
        seen = self._widths_seen
        found = seen.get(key)
        if found is None:
            if len(seen) >= _WIDTHS_KEPT:  # tables of ever new widths: start over
                seen.clear()
            found = seen[key] = row_widths(self.optimized, stats.text_bytes, self.live)
        return found

    def _stats(self, tables: Tables) -> TableStats:
        # The text widths of the columns the plan reads: the estimate counts only them.
        return _stats_of(_source(tables, self.checked.table), self.live[0])

    def _warnings(
        self,
        tables: Tables,
        engine: PolarsEngine,
        longer: bool = False,
        lowered: list[pl.LazyFrame] | None = None,
    ) -> _Warnings:
        """The data warnings' jobs, started (their first round not yet run): W301, W304,
        W305, W307/W308. W302 joins them once the answer is known to be empty, and W305 once
        the answer is known when it is `longer` by a row (`tie_limit`). `lowered`: the run's
        own `step_frames`, when they are the plan's prefixes (see `Prefixes`)."""
        # The table looked up once; the helpers below take it as a catalog of one.
        held = _source(tables, self.checked.table)
        source = _source_frame(held, None)

        # The plan's prefixes, lowered once for every warning that re-runs one; every round
        # of their queries runs in one collect (batched.py).
        def keep(stop: int, lower: Callable[[], list[pl.LazyFrame]]) -> list[pl.LazyFrame]:
            return self._kept(self.checked, source, stop, lower)

        prefixes = Prefixes(self.checked, source, lowered, keep)
        frame = held if isinstance(held, pl.DataFrame) else None
        scan = not _in_memory(held, None)
        jobs = [
            literal_warnings(self.checked, source, scan=scan, frame=frame, probes=self._probes),
            text_order_warnings(self.checked, source, self._text_order_uses),
        ]
        rerun = _cheap_to_rerun(held, None)
        if rerun:  # W305 and W307/W308 run the plan again
            if not longer:
                jobs.append(tie_warnings(self.checked, prefixes))
            jobs.append(group_warnings(self.checked, prefixes))
        return _Warnings(Rounds(jobs, engine), prefixes, rerun)

    def _data_warnings(
        self,
        tables: Tables,
        empty: bool,
        engine: PolarsEngine = "auto",
        started: _Warnings | None = None,
        longer: pl.DataFrame | None = None,
    ) -> list[Diagnostic]:
        """W301/W302 (runtime/engine/data_warnings.py), W304/W305 (order_warnings.py),
        W307/W308 (group_warnings.py), W330/W331 (joins.py); their queries never fail a run.
        `started`: the jobs whose first round ran with the answer; `longer`: the answer with
        the row past its last LIMIT (`tie_limit`), where W305 reads the tie."""
        found: list[Diagnostic] = []
        try:
            if self.checked.joined:
                found += join_warnings(self.checked, *self._inputs(tables))
        except (pl.exceptions.PolarsError, PesqlError):
            pass  # a warning that cannot be computed is not worth an error
        try:
            warnings = started or self._warnings(tables, engine, longer is not None)
            if empty:  # W302 after W301, as the notes have always listed them
                warnings.rounds.insert(1, empty_result_warning(self.checked, warnings.prefixes))
            if longer is not None:  # W305 after W304, as when it probes
                ties = tie_warnings(
                    self.checked, warnings.prefixes, answer=longer, rerun=warnings.rerun
                )
                warnings.rounds.insert(3 if empty else 2, ties)
            warnings.rounds.finish()
            found += warnings.rounds.found()
        except (pl.exceptions.PolarsError, PesqlError):
            return found
        return found

    def _summary_warnings(
        self, tables: Tables, answer: pl.DataFrame, engine: PolarsEngine = "auto"
    ) -> list[Diagnostic]:
        """W310 (runtime/engine/summary_warnings.py): only a loaded `Table` knows its rows."""
        source = _source(tables, self.checked.table)
        if not isinstance(source, Table):
            return []
        try:
            return summary_warnings(self.optimized, source, answer, engine)
        except (pl.exceptions.PolarsError, PesqlError):
            return []

    def explain(self, tables: Tables | None = None) -> str:
        """The p-SQL text that runs, the output schema, and polars' optimized plan."""
        from pesql.grammar.printer import to_text

        if tables is None:  # empty frames of the input schemas: polars plans without data
            empty = {
                name: pl.LazyFrame(schema={n: polars_dtype(t.dtype) for n, t in schema.items()})
                for name, schema in (
                    (self.checked.table or "t", self.checked.input_schema),
                    *self.checked.joined,
                )
            }
            tables = empty if self.checked.joined else empty[self.checked.table or "t"]
        try:
            polars_plan = self.lazy(tables).explain()
        except PesqlError:
            raise
        except Exception as exc:
            raise execution_error(exc) from exc
        columns = "\n".join(
            f"  {name}: {t.dtype}{'' if t.nullable else ' not null'}"
            for name, t in self.checked.output_schema.items()
        )
        return (
            f"-- p-SQL\n{to_text(self.plan)}\n\n-- output schema\n{columns}\n\n"
            f"-- polars plan\n{polars_plan}"
        )


@record(kw_only=False)
class _Warnings(Record):
    """A run's data warnings under way, the plan's prefixes they read, and whether the table
    is cheap enough to run the plan on again (`_cheap_to_rerun`)."""

    rounds: Rounds[Diagnostic]
    prefixes: Prefixes
    rerun: bool

    def collect_with_first_round(self, query: pl.LazyFrame) -> pl.DataFrame:
        """`query` (the answer, small work) collected with the warnings' first round."""
        [answer] = self.rounds.first([query])
        # A failed answer is collected alone again, for its own error (E305).
        return answer if answer is not None else query.collect(engine="in-memory")


COMPILE_CACHE: CompileCache[CompiledPlan] = CompileCache(COMPILE_CACHE_SIZE)
# Built once: a cache hit with the default limits then builds nothing (issue 20: <= 20 µs).
_DEFAULT_LIMITS = Limits()
_DEFAULT_SIZE = _DEFAULT_LIMITS.size


def compile(
    plan: PlanSource,
    schema: Schema | Mapping[str, Schema],
    *,
    optimize: bool = True,
    limits: Limits | None = None,
    naming: Naming | None = None,
    cache: CompileCache[CompiledPlan] | None = COMPILE_CACHE,
) -> CompiledPlan:
    """p-SQL text, JSON text, a JSON object, a Plan or a CheckedPlan -> CompiledPlan.

    How text is read: `pesql.compiler.pipeline.as_plan` (`naming` for JSON op names). A
    `CheckedPlan` checked against `schema` (what `repair` gives with a schema) is not checked
    again. Cached in `cache` (the module's by default; `Runtime` passes its own)."""
    if limits is None:
        limits, size = _DEFAULT_LIMITS, _DEFAULT_SIZE
    else:
        size = limits.size
    compiled = compile_plan(
        plan,
        schema,
        optimize=optimize,
        size=size,
        naming=naming,
        cache=cache,
        make=lambda checked, optimized: CompiledPlan(checked, optimized, limits),
    )
    # Entries are shared by calls whose size limits agree; the other limits may differ.
    if compiled.limits is limits or compiled.limits == limits:
        return compiled
    return dataclasses.replace(compiled, limits=limits)


def clear_compile_cache() -> None:
    COMPILE_CACHE.clear()


def compile_cache_info() -> CacheInfo:
    """The module cache's statistics (hits, misses, maxsize, currsize)."""
    return COMPILE_CACHE.info()


def execute(
    plan: PlanSource,
    table: Frame | Table | str | Path,
    *,
    limits: Limits | None = None,
) -> Result:
    """Compile `plan` against `table`'s own schema and run it: the one-liner.

    One time budget (`limits.timeout_s`) covers compiling and running (`run_within`)."""
    if not isinstance(table, Table | pl.DataFrame | pl.LazyFrame):
        table = load_table(table)  # a path or a pandas DataFrame; anything else: TypeError
    frame = table.frame if isinstance(table, Table) else table.lazy()
    try:
        schema = schema_from_polars(frame.collect_schema())
    except Exception as exc:
        raise execution_error(exc) from exc
    limits = limits or Limits()

    def compiling() -> CompiledPlan:
        try:
            return compile(plan, schema, limits=limits)
        except PesqlError as exc:
            raise with_value_hints(exc, frame) from None

    # The table itself, not `frame`: a frame in memory is known as such (engine_for, W305).
    return run_within(compiling, table, limits)


def run_within(compiling: Callable[[], CompiledPlan], tables: Tables, limits: Limits) -> Result:
    """Compile (`compiling()`) and run within one time budget: E303 and the work stopped
    when reading, checking, optimizing, lowering or running takes it all."""
    deadline = Deadline.after(limits.timeout_s)
    compiled = call_within(compiling, deadline, "compiling the plan")
    return compiled.collect(tables, limits, deadline=deadline)


# The largest estimated step result (runtime/engine/estimate.py) of work run on polars'
# in-memory engine in the caller's thread, with no worker thread to stop it: work this size
# takes milliseconds (a thread start and join cost 0.26 ms p50, 3.4 ms p90 on a busy machine;
# the streaming engine's set-up ~0.4 ms more than the in-memory one's on a 100-row table).
SMALL_WORK_BYTES = 4 << 20
# Text-width statistics a compiled plan keeps the per-row estimate of (`_row_widths`), and
# source frames it keeps its lowering over (`_lowered`).
_WIDTHS_KEPT = 16
_LOWERED_KEPT = 16
# polars' in-memory engine sorts the whole input where the streaming one keeps a top-k: SORT
# then LIMIT 5 took 81 ms against 0.7 ms over 50,000 rows (487 against 2.3 over 336,000),
# and a full SORT is no faster in memory past a few thousand rows; below, in memory wins
# (100 rows: 0.08 against 0.45 ms; 1,000: 0.15 against 0.43). Measured with polars 2.1,
# docs/execution.md#engines.
SORT_ROWS_IN_MEMORY = 4_000


def _in_memory_wins(plan: Plan, rows: int) -> bool:
    """Whether polars' in-memory engine is the faster one for `plan` over `rows` input rows."""
    return rows <= SORT_ROWS_IN_MEMORY or not any(isinstance(s, Sort) for s in plan.steps)


def _small_work(compiled: CompiledPlan, limits: Limits, largest: int, rows: int) -> bool:
    """Whether the run is small enough to need no stopping (docs/execution.md#engines): the
    engine is polars' choice ("auto"), no JOIN or LOOKUP (their rows are bounded only by
    E331's ten million), no step's estimated result is over SMALL_WORK_BYTES, and the
    in-memory engine is the faster one for the plan."""
    return (
        limits.engine == "auto"
        and not compiled.checked.joined
        and largest <= SMALL_WORK_BYTES
        and _in_memory_wins(compiled.plan, rows)
    )


def _stats_of(source: Frame | Table, columns: Collection[str] = ()) -> TableStats:
    """The size estimate's statistics of a source: its rows, and the text widths of `columns`
    (cached while it lives)."""
    frame = source.frame if isinstance(source, Table) else source.lazy()
    return table_stats(frame, source, columns)


def _source_frame(tables: Tables, name: str | None) -> pl.LazyFrame:
    source = _source(tables, name)
    return source.frame if isinstance(source, Table) else source.lazy()


def _in_memory(tables: Tables, name: str | None) -> bool:
    source = _source(tables, name)
    return isinstance(source, pl.DataFrame) or (isinstance(source, Table) and source.source is None)


# A file up to this size may be read a second time for a warning (W305); larger ones are not.
RERUN_FILE_BYTES = 64 * 1024 * 1024


def _cheap_to_rerun(tables: Tables, name: str | None) -> bool:
    """The table is in memory, or a file small enough to read twice (never a large scan)."""
    source = _source(tables, name)
    if isinstance(source, Table) and source.source is not None:
        try:
            return Path(source.source).stat().st_size <= RERUN_FILE_BYTES
        except OSError:  # not a local file (a URL, a glob): not known to be small
            return False
    return _in_memory(tables, name)


def engine_for(
    tables: Tables, name: str | None, limits: Limits, plan: Plan | None = None
) -> Limits:
    """`limits` with "auto" resolved: tables already in memory run on polars' in-memory engine
    (several times faster on small frames) unless `plan` sorts more than SORT_ROWS_IN_MEMORY
    rows, files on the streaming engine (faster and much leaner at scale; docs/benchmarks.md,
    docs/execution.md#engines)."""
    if limits.engine != "auto":
        return limits
    in_memory = _in_memory(tables, name)
    if in_memory and plan is not None and any(isinstance(s, Sort) for s in plan.steps):
        source = _source(tables, name)
        rows = source.height if isinstance(source, pl.DataFrame) else _stats_of(source).rows
        in_memory = _in_memory_wins(plan, rows)
    return dataclasses.replace(limits, engine="in-memory" if in_memory else "streaming")


def _source(tables: Tables, name: str | None) -> Frame | Table:
    if isinstance(tables, pl.DataFrame | pl.LazyFrame | Table):
        return tables
    if not isinstance(tables, Catalog | Mapping):
        raise TypeError(_TABLES_EXPECTED + f", not {type(tables).__name__}")
    if isinstance(tables, Catalog):
        if name is None and len(tables) == 1:
            return next(iter(tables))
        if name is None:
            raise _which_table(tables.names())
        return tables.get(name)
    if name is None and len(tables) == 1:
        only = next(iter(tables.values()))
    elif name is None:
        raise _which_table(list(tables))
    elif name in tables:
        only = tables[name]
    else:
        hints = [f"did you mean `{c}`?" for c in nearest(name, list(tables))]
        raise PesqlError([Diagnostic.make("E210", name=name, hints=hints)])
    if not isinstance(only, pl.DataFrame | pl.LazyFrame | Table):
        found = type(only).__name__
        raise TypeError(_TABLES_EXPECTED + f"; the mapping holds a {found}")
    return only


def _guarded(run: Callable[[], None]) -> None:
    """`run()`, a polars failure in it as E305 (a check's query over bad data, say)."""
    try:
        run()
    except PesqlError:
        raise
    except Exception as exc:
        raise execution_error(exc) from exc


_TABLES_EXPECTED = (
    "tables are a polars DataFrame or LazyFrame, a pesql.Table, a Catalog, or a mapping "
    "{name: one of those} (pesql.load_table reads files and pandas frames)"
)


def _which_table(names: list[str]) -> PesqlError:
    listed = ", ".join(f"`{n}`" for n in names) or "none"
    hint = f"name the table to read (FROM ...): one of {listed}"
    return PesqlError([Diagnostic.make("E210", name="(none)", hints=(hint,))])


def _check_fits(frame: pl.LazyFrame, expected: Schema) -> None:
    """E305 when a table lacks a column the plan was compiled for, or has another type."""
    try:
        actual = schema_from_polars(frame.collect_schema())
    except Exception as exc:
        raise execution_error(exc) from exc
    for name, ctype in expected.items():
        found = actual.get(name)
        if found is None or found.dtype != ctype.dtype:
            what = "is missing" if found is None else f"is {found.dtype}, not {ctype.dtype}"
            problem = f"column `{name}` {what} in the table given"
            hint = "compile the plan again against this table's schema"
            raise PesqlError([Diagnostic.make("E305", problem=problem, hints=(hint,))])


__all__ = [
    "COMPILE_CACHE",
    "CompiledPlan",
    "Limits",
    "Result",
    "as_plan",
    "clear_compile_cache",
    "compile",
    "compile_cache_info",
    "execute",
    "run_within",
]
