"""Memory: peak RSS of the TPC-H lineitem queries per engine, and answering past eager memory.

    python -m bench.memory                # scale 1, every query, every engine
    python -m bench.memory --scale 0.1
    python -m bench.memory --smoke        # scale 0.01, one query

Every figure is one query run in a fresh child process (`bench.common.child_peak_rss`): the
peak resident set of that process alone, interpreter and imports included (the `idle` row
shows that floor). The per-engine table runs every cell `--rounds` times (default 9), the
cells of a round in a shuffled order, and reports each cell's median: one process's peak
moves by up to a third from run to run.

Then the streaming demonstration. The child gets an address-space limit (RLIMIT_AS) of its
idle footprint plus three quarters of the table's in-memory size (at least 256 MiB), so at
scale 1 and above the table cannot be read eagerly. Under that limit we try: an eager
`pl.read_parquet`; `pesql.compile(...).collect` (what pesql runs today); the same after
`pl.Config.set_engine_affinity("streaming")`; and the compiled plan's LazyFrame collected
with `engine="streaming"`. Under a budget pesql's collect gathers the streaming engine's
batches (`runtime/engine/limits.collect_within`; docs/execution.md#engines).

Last, where p-SQL's extra memory over hand-written polars comes from, for Q1 and Q12: the
same child compiling only, running without the data warnings, and without the size estimate
(whose table statistics are a query of their own), and the statistics query alone.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import Report, child_peak_rss

ENGINES = ("p-SQL", "p-SQL streaming", "polars", "DuckDB", "pandas")
STREAM_MODES = (
    "eager read_parquet",
    "p-SQL collect (as today)",
    "p-SQL collect, engine affinity streaming",
    "p-SQL lazy().collect(streaming)",
)
BREAKDOWN_MODES = (
    "polars",
    "p-SQL compile only",
    "p-SQL",
    "p-SQL, no data warnings",
    "p-SQL, no data warnings, no size estimate",
    "size-estimate statistics only",
)


def child_main(argv: Sequence[str]) -> int:
    """In the child: run one engine on one query once and print its answer's height."""
    mode, index, path = argv[0], int(argv[1]), Path(argv[2])
    import polars as pl

    from bench import tpch

    if mode == "idle":
        pl.LazyFrame({"a": [1, 2]}).select(pl.col("a").sum()).collect(engine="streaming")
        print(_vm_peak())
        return 0
    query = tpch.QUERIES[index]
    if mode == "eager read_parquet":
        frame = pl.read_parquet(path)
    elif mode == "p-SQL collect (as today)":
        frame = tpch.run_engine("p-SQL", query, path)
    elif mode == "p-SQL collect, engine affinity streaming":
        pl.Config.set_engine_affinity("streaming")
        frame = tpch.run_engine("p-SQL", query, path)
    elif mode == "p-SQL lazy().collect(streaming)":
        frame = tpch.run_engine("p-SQL streaming", query, path)
    elif mode == "p-SQL compile only":
        frame = pl.DataFrame({"plan": [str(tpch.compiled(query, path).plan)]})
    elif mode.startswith("p-SQL, no data warnings"):
        import dataclasses

        limits = dataclasses.replace(tpch.LIMITS, data_warnings=False)
        if mode.endswith("no size estimate"):
            limits = dataclasses.replace(limits, max_result_bytes=None)
        frame = tpch.compiled(query, path).collect(pl.scan_parquet(path), limits).frame
    elif mode == "size-estimate statistics only":
        from pesql.runtime.engine.estimate import table_stats

        frame = pl.DataFrame({"rows": [table_stats(pl.scan_parquet(path)).rows]})
    else:
        frame = tpch.run_engine(mode, query, path)
    print(frame.height)
    return 0


def _vm_peak() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmPeak:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child(mode: str, index: int, path: Path, limit: int | None = None) -> tuple[bool, float, str]:
    done = child_peak_rss(
        "bench.memory", ["--child", mode, str(index), str(path)], address_space_limit=limit
    )
    if done.returncode == 0:
        return True, done.peak_rss_mib, done.stdout.strip()
    lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
    why = next((ln for ln in lines if "memory allocation" in ln or "Error" in ln), "")
    return False, done.peak_rss_mib, why or f"exit {done.returncode}"


def peak_rss_report(
    path: Path, scale: float, queries: Sequence[int], workers: int = 1, rounds: int = 9
) -> Report:
    """Each cell's median peak over `rounds` fresh processes, the cells of a round shuffled.

    One process per cell is not enough: hand-written polars alone peaked at 147, 184 and 215
    MiB on Q1 in three runs (the allocator's per-thread arenas fill differently from run to
    run), more than the difference being measured. The ratio is the median over rounds of
    that round's p-SQL / polars, as bench/common does for time.
    """
    from bench import tpch

    report = Report(
        f"Peak RSS, MiB, TPC-H lineitem scale {scale:g} (median of {rounds} fresh processes "
        "per cell)",
        ("query", *ENGINES, "p-SQL/polars", "p-SQL streaming/polars", "polars min-max"),
    )
    ok, idle, _ = _child("idle", 0, path)
    report.add("idle (python + polars imported)", *(idle if ok else None for _ in ENGINES),
               None, None, None)  # fmt: skip
    cells = [(engine, index) for index in queries for engine in ENGINES]
    shuffler = random.Random(33)
    peaks: dict[tuple[str, int], list[float | None]] = {cell: [] for cell in cells}
    for _ in range(rounds):
        order = shuffler.sample(cells, len(cells))
        with ThreadPoolExecutor(workers) as pool:
            runs = pool.map(lambda c: _child(c[0], c[1], path), order)
            for cell, (ok, peak, why) in zip(order, runs, strict=True):
                peaks[cell].append(peak if ok else None)
                if not ok:
                    name = tpch.QUERIES[cell[1]].name
                    report.notes.append(f"{name} on {cell[0]} failed: {why}")
    for index in queries:
        base = peaks["polars", index]
        measured = [p for p in base if p is not None]
        spread = f"{min(measured):.0f}-{max(measured):.0f}" if measured else None
        report.add(
            tpch.QUERIES[index].name,
            *(_median(peaks[e, index]) for e in ENGINES),
            _round_ratio(peaks["p-SQL", index], base),
            _round_ratio(peaks["p-SQL streaming", index], base),
            spread,
        )
    report.notes.append(
        "`p-SQL streaming` = the compiled plan's LazyFrame collected with engine='streaming' "
        "(pesql's own collect: docs/execution.md#engines)"
    )
    return report


def _median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _round_ratio(values: Sequence[float | None], base: Sequence[float | None]) -> float | None:
    return _median([_div(v, b) for v, b in zip(values, base, strict=True)])


def breakdown_report(path: Path, scale: float, queries: Sequence[int], workers: int = 1) -> Report:
    """Peak RSS of p-SQL's stages, one fresh process each: where the extra memory comes from."""
    from bench import tpch

    report = Report(
        f"Where p-SQL's extra memory comes from, MiB, TPC-H lineitem scale {scale:g}",
        ("query", "mode", "peak RSS MiB", "over polars MiB"),
    )
    cells = [(mode, index) for index in queries for mode in BREAKDOWN_MODES]
    with ThreadPoolExecutor(workers) as pool:
        runs = list(pool.map(lambda c: _child(c[0], c[1], path), cells))
    base: dict[int, float | None] = {}
    for (mode, index), (ok, peak, why) in zip(cells, runs, strict=True):
        if mode == "polars":
            base[index] = peak if ok else None
        if not ok:
            report.notes.append(f"{tpch.QUERIES[index].name}, {mode} failed: {why}")
        reference = base.get(index)
        over = peak - reference if ok and reference is not None else None
        report.add(tpch.QUERIES[index].name, mode, peak if ok else None, over)
    report.notes.append(
        "one run per cell: the figures move by 10-20 MiB from run to run on a busy machine; "
        "valid text plans are read without lark's LALR tables (grammar/descent.py)"
    )
    return report


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def streaming_report(path: Path, scale: float, query: int = 0, workers: int = 1) -> Report:
    """Under an address-space limit below the eager table: who still answers?"""
    import polars as pl

    from bench import tpch

    eager_bytes = pl.read_parquet(path).estimated_size()
    done = child_peak_rss("bench.memory", ["--child", "idle", "0", str(path)])
    idle_vm = int(done.stdout.strip())
    # At least 256 MiB of headroom: the idle address space varies by a few thread arenas from
    # one process to the next, and a tiny table must not fail for that reason.
    limit = idle_vm + max(int(0.75 * eager_bytes), 256 * 2**20)
    report = Report(
        f"Answering from Parquet past eager memory: {tpch.QUERIES[query].name}, "
        f"scale {scale:g}, RLIMIT_AS {limit / 2**20:,.0f} MiB",
        ("attempt", "answered", "peak RSS MiB", "failure"),
    )
    with ThreadPoolExecutor(workers) as pool:
        runs = list(pool.map(lambda mode: _child(mode, query, path, limit), STREAM_MODES))
    for mode, (ok, peak, why) in zip(STREAM_MODES, runs, strict=True):
        report.add(mode, "yes" if ok else "no", peak if ok else None, None if ok else why)
    report.notes.append(
        f"table in memory (eager, all columns): {eager_bytes / 2**20:,.0f} MiB; idle child "
        f"address space {idle_vm / 2**20:,.0f} MiB; limit = idle + max(0.75 x table, 256 MiB); "
        "a process that fails aborts on the allocation (polars cannot raise), so its peak is "
        "not known"
    )
    return report


def run(scale: float = 1.0, smoke: bool = False, rounds: int = 9) -> list[Report]:
    from bench import tpch

    path, source = tpch.ensure_lineitem(scale)
    # Smoke runs the children side by side (their peaks are per process); the full run one at
    # a time, so no child competes for memory bandwidth or the page cache with another.
    queries, workers = ((1,), 4) if smoke else (tuple(range(len(tpch.QUERIES))), 1)
    rss = peak_rss_report(path, scale, queries, workers, rounds=1 if smoke else rounds)
    rss.notes.append(f"data: {source}")
    return [
        rss,
        streaming_report(path, scale, workers=workers),
        breakdown_report(path, scale, (0,) if smoke else (0, 2), workers),
    ]


def main(argv: Sequence[str] | None = None) -> list[Report]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--smoke", action="store_true", help="scale 0.01, one query")
    parser.add_argument("--rounds", type=int, default=9, help="fresh processes per cell")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "QUERY", "PATH"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args(argv)
    if args.child:
        raise SystemExit(child_main(args.child))
    reports = run(0.01 if args.smoke else args.scale, smoke=args.smoke, rounds=args.rounds)
    for report in reports:
        print(report.to_markdown())
    return reports


if __name__ == "__main__":
    main(sys.argv[1:])
