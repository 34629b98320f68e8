"""Time per node of every compiler stage, for plans of 10 to 10,000 nodes: is each stage linear?

    python -m bench.scaling                  # 10, 100, 1,000, 10,000 nodes
    python -m bench.scaling --smoke          # 10 and 100 nodes, a few seconds

Two shapes, each grown to the node count: a wide DERIVE (`c0 = a + 0, c1 = a + 1, ...`,
4 nodes per column) and an OR chain in one FILTER (`a = 0 OR a = 1 OR ...`, 3 nodes per
term), the two hostile plans of issue 21. Stages timed one by one on the same plan: parse
(text), from_json (the canonical JSON, already decoded), check, optimize, to_polars (building
the LazyFrame, not running it) and to_sql (DuckDB). The table gives microseconds per node and,
per stage, the ratio of the largest plan's time per node to the 100-node plan's: a linear stage
stays near 1, a quadratic one grows with the size. Times are CPU time of this process (the
fastest of a few runs), not wall time: on a shared machine other processes' load would
otherwise dominate the ratios (every stage here runs in this one thread).

The plan-size limits (SizeLimits.max_nodes, the parser's token bound, the JSON lowering's
node bound) are raised for the run: they refuse the largest plans here, which is their point.
The last table is the limit itself: the largest plan `compile` accepts, end to end.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import time
from collections.abc import Callable, Iterator, Sequence

import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.backends.sql.lower import to_sql
from pesql.compiler.check.check import check
from pesql.compiler.check.size import MAX_NODES, count_nodes
from pesql.compiler.passes.optimize import optimize
from pesql.compiler.pipeline import compile
from pesql.grammar import lowering
from pesql.grammar import parse as parse_module
from pesql.grammar.jsonform import from_json, to_json
from pesql.grammar.parse import parse

from bench.common import Report, measure

SIZES = (10, 100, 1_000, 10_000)
SMOKE_SIZES = (10, 100)
STAGES = ("parse", "from_json", "check", "optimize", "to_polars", "to_sql")
FRAME = pl.DataFrame({"a": [1, 2, 3], "b": [1.5, 2.5, None], "s": ["x", "y", "z"]})
SCHEMA = schema_from_polars(FRAME.schema)


def wide_derive(nodes: int) -> str:
    return "DERIVE " + ", ".join(f"c{i} = a + {i}" for i in range(max(1, nodes // 4)))


def or_chain(nodes: int) -> str:
    return "FILTER " + " OR ".join(f"a = {i}" for i in range(max(2, nodes // 3)))


SHAPES: dict[str, Callable[[int], str]] = {"wide DERIVE": wide_derive, "OR chain": or_chain}


@contextlib.contextmanager
def unlimited() -> Iterator[None]:
    """Lift the reader's input bounds for the duration (they refuse the largest plans)."""
    saved = parse_module.MAX_TEXT_TOKENS, lowering.MAX_JSON_NODES
    parse_module.MAX_TEXT_TOKENS = lowering.MAX_JSON_NODES = 10**9
    try:
        yield
    finally:
        parse_module.MAX_TEXT_TOKENS, lowering.MAX_JSON_NODES = saved


def stage_times(text: str, repeat: int) -> tuple[int, dict[str, float]]:
    """The plan's node count and each stage's median time in seconds."""
    plan = parse(text)
    value = to_json(plan)
    checked = check(plan, SCHEMA)
    optimized = optimize(checked)
    source = FRAME.lazy()
    calls: dict[str, Callable[[], object]] = {
        "parse": lambda: parse(text),
        "from_json": lambda: from_json(value),
        "check": lambda: check(plan, SCHEMA),
        "optimize": lambda: optimize(checked),
        "to_polars": lambda: to_polars(optimized, source),
        "to_sql": lambda: to_sql(plan, SCHEMA),
    }
    times = {stage: cpu_time(fn, repeat) for stage, fn in calls.items()}
    return count_nodes(plan, 10**9), times


def cpu_time(fn: Callable[[], object], repeat: int, budget_s: float = 20.0) -> float:
    """The fastest of `repeat` runs of `fn` (after one warm-up), in CPU seconds."""
    fn()
    best = math.inf
    deadline = time.process_time() + budget_s
    for _ in range(repeat):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
        if time.process_time() > deadline:
            break
    return best


def largest_accepted(repeat: int) -> Report:
    """The end-to-end compile time of the largest plans the default limits accept."""
    report = Report(
        f"The largest accepted plan (SizeLimits.max_nodes = {MAX_NODES})",
        ("shape", "nodes", "compile CPU ms (min)", "compile wall ms (p50)"),
    )
    for name, build in SHAPES.items():
        size = MAX_NODES
        while (nodes := count_nodes(parse(text := build(size)), 10**9)) > MAX_NODES:
            size -= 1
        run_it: Callable[[], object] = lambda text=text: compile(text, SCHEMA)  # noqa: E731
        wall = measure(run_it, repeat=repeat, warmup=1)
        report.add(name, nodes, cpu_time(run_it, repeat) * 1e3, wall.p50 * 1e3)
    report.notes.append(
        "compile = parse + size check + check + optimize (what pesql.compile does before the "
        "runtime builds the LazyFrame)"
    )
    return report


def run(sizes: Sequence[int] = SIZES, repeat: int = 5, *, smoke: bool = False) -> list[Report]:
    sizes = SMOKE_SIZES if smoke else sizes
    per_node = Report(
        "Time per node (µs), per stage",
        ("shape", "nodes", *STAGES),
    )
    growth = Report(
        f"Time per node at {sizes[-1]:,} nodes / at {sizes[min(1, len(sizes) - 1)]:,} nodes",
        ("shape", *STAGES),
    )
    with unlimited():
        for name, build in SHAPES.items():
            rows: dict[int, dict[str, float]] = {}
            for size in sizes:
                nodes, times = stage_times(build(size), 2 if smoke else repeat)
                rows[size] = {s: t / nodes * 1e6 for s, t in times.items()}
                per_node.add(name, nodes, *(rows[size][s] for s in STAGES))
            base = rows[sizes[min(1, len(sizes) - 1)]]
            growth.add(name, *(rows[sizes[-1]][s] / base[s] for s in STAGES))
    growth.notes.append("a linear stage stays near 1; the issue asks for at most 2")
    return [per_node, growth, largest_accepted(2 if smoke else repeat)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    for report in run(repeat=args.repeat, smoke=args.smoke):
        print(report.to_markdown())
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
