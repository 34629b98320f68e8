"""Larger than memory: p-SQL plans streamed by polars under an address-space cap below the data.

    python -m bench.tpch_memory --scale 3 --cap-gb 1.5     # 18 million lineitem rows

The TPC-H lineitem table at `scale` (bench/tpch.py caches it as Parquet) is bigger in memory
than the cap. Child processes run with their address space capped by
`resource.setrlimit(RLIMIT_AS, cap)` (what `ulimit -v` sets): one reads the whole table with
`pl.read_parquet`, which must fail (the proof that the data does not fit; polars aborts the
process), then each query's p-SQL plan, lowered to polars and collected with the streaming
engine, runs in a child of its own and must finish with the answer an uncapped run gives.
Reported: the data's size in memory (polars' estimated size, column by column), the Parquet
size, and per query the streamed time and the child's peak resident memory (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from bench.common import Report
from bench.tpch import check_agree, compiled, ensure_lineitem
from bench.tpch_queries import QUERIES

GB = 1024**3


def in_memory_bytes(path: str) -> int:
    """The table's size as a polars frame, measured one column at a time (it may not fit)."""
    names = pl.scan_parquet(path).collect_schema().names()
    return sum(pl.scan_parquet(path).select(n).collect().estimated_size() for n in names)


def child(index: int, path: str, cap: int, out: str) -> dict[str, object]:
    """In a capped process: the whole table (index -1; polars aborts the process when an
    allocation fails, so this child is expected to die), or one query streamed."""
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if index < 0:
        pl.read_parquet(path)
        return {"load": "loaded"}
    start = time.perf_counter()
    plan = compiled(QUERIES[index], Path(path)).lazy(pl.scan_parquet(path))
    frame = plan.collect(engine="streaming")
    seconds = time.perf_counter() - start
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would report the
    # parent's high-water mark (0.90 GB in the first scale-3 run) instead of the child's.
    status = Path("/proc/self/status").read_text()
    peak = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    peak *= 1024
    frame.write_parquet(out)
    return {"seconds": seconds, "peak": peak}


def _in_child(index: int, path: Path, cap: int, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.tpch_memory", "--child", str(index),
         "--path", str(path), "--cap", str(cap), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def run(scale: float, cap_gb: float, queries: int = len(QUERIES)) -> list[Report]:
    path, source = ensure_lineitem(scale)
    cap = int(cap_gb * GB)
    size = in_memory_bytes(str(path))
    rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    report = Report(
        f"Larger than memory: TPC-H lineitem scale {scale:g} ({rows:,} rows, "
        f"{size / GB:.2f} GB in memory, {path.stat().st_size / GB:.2f} GB Parquet) streamed "
        f"by polars under a {cap_gb:g} GB address-space cap (RLIMIT_AS)",
        ("query", "rows out", "whole table under the cap", "streamed s", "peak RSS GB"),
    )
    whole = _in_child(-1, path, cap, path.parent / "unused.parquet")
    loaded = "loaded" if whole.returncode == 0 else f"failed (exit {whole.returncode})"
    for index, query in enumerate(QUERIES[:queries]):
        out = path.parent / f"answer-{index}.parquet"
        done = _in_child(index, path, cap, out)
        if done.returncode != 0:
            report.add(query.name, "-", loaded, "failed", done.stderr.strip()[-80:])
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        streamed = pl.read_parquet(out)
        out.unlink()
        expected = compiled(query, path).lazy(pl.scan_parquet(path)).collect()
        check_agree(query.name, {"polars": expected, "streamed": streamed})
        report.add(
            query.name,
            streamed.height,
            loaded,
            result["seconds"],
            float(result["peak"]) / GB,
        )
    report.notes.append(f"data: {source}")
    report.notes.append(
        "one child process reads the whole table eagerly under the cap (polars aborts the "
        "process when an allocation fails); each query then runs in its own capped child: "
        "the p-SQL plan's LazyFrame collected with engine='streaming'; answers equal the "
        "uncapped in-memory run's"
    )
    return [report]


def main(argv: Sequence[str] | None = None) -> list[Report]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=3.0)
    parser.add_argument("--cap-gb", type=float, default=1.5)
    parser.add_argument("--queries", type=int, default=len(QUERIES), help="the first N only")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--cap", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child, args.path, args.cap, args.out)))
        return []
    reports = run(args.scale, args.cap_gb, args.queries)
    for report in reports:
        print(report.to_markdown())
    return reports


if __name__ == "__main__":
    main()
