"""Timing and memory helpers shared by the benchmarks, and the table every benchmark returns.

    >>> t = measure(lambda: sum(range(100)), repeat=50)
    >>> t.p50 <= t.p95
    True

Speed is reported as medians (p50) and ratios measured in the same run: other processes share
the machine, so absolute numbers move and a ratio of two medians taken side by side does not.
Peak memory is measured in a fresh child process (`child_peak_rss`): the child's own
high-water mark (VmHWM), so one benchmark's allocations never leak into another's figure.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"  # gitignored cache (TPC-H Parquet files)
REPO_DIR = BENCH_DIR.parent

Cell = str | int | float | None


@dataclass(frozen=True)
class Timing:
    """Wall-clock samples of one measured callable, in seconds."""

    samples: tuple[float, ...]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def best_us(self) -> float:
        """The fastest sample: the least disturbed by other processes (what timeit reports)."""
        return min(self.samples) * 1e6

    @property
    def p50_us(self) -> float:
        return self.p50 * 1e6

    @property
    def p95_us(self) -> float:
        return self.p95 * 1e6


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile by linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def measure(
    fn: Callable[[], object],
    *,
    repeat: int,
    warmup: int = 3,
    inner: int = 1,
    budget_s: float | None = None,
) -> Timing:
    """Time `fn` `repeat` times after `warmup` calls; `inner` calls per sample for tiny `fn`s.

    With `budget_s`, sampling stops early once that much time is spent (at least 5 samples):
    a slow contender gets fewer samples instead of stretching the whole run.

    The garbage collector is paused while sampling (a collection landing in one sample is
    noise, not the cost of `fn`) and run between samples.
    """
    budget_end = time.perf_counter() + budget_s if budget_s is not None else math.inf
    for _ in range(warmup):
        fn()
        if time.perf_counter() > budget_end:
            break
    budget_end = time.perf_counter() + budget_s if budget_s is not None else math.inf
    samples: list[float] = []
    enabled = gc.isenabled()
    try:
        for _ in range(repeat):
            if len(samples) >= 5 and time.perf_counter() > budget_end:
                break
            gc.collect(0)
            gc.disable()
            started = time.perf_counter()
            for _ in range(inner):
                fn()
            samples.append((time.perf_counter() - started) / inner)
            if enabled:
                gc.enable()
    finally:
        if enabled:
            gc.enable()
    return Timing(tuple(samples))


def measure_interleaved(
    fns: Mapping[str, Callable[[], object]],
    *,
    repeat: int,
    warmup: int = 3,
    budget_s: float | None = None,
    seed: int = 0,
) -> dict[str, Timing]:
    """Time several callables in interleaved rounds (each once per round, order shuffled).

    On a shared machine the load changes from second to second; sampling the contenders
    side by side lets a busy spell slow them all alike, so their ratio holds. The order is
    shuffled every round (seeded: runs are repeatable): a fixed or rotating order gives each
    contender the same predecessor, whose leftovers (caches, allocator state, a background
    thread still winding down) then bias one ratio (4x in one run). Sample `i` of every
    contender is from round `i`, so `round_ratio` pairs them. `budget_s` bounds the whole
    measurement (at least 5 rounds).
    """
    names = list(fns)
    for _ in range(warmup):
        for name in names:
            fns[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    order = random.Random(seed)
    budget_end = time.perf_counter() + budget_s if budget_s is not None else math.inf
    enabled = gc.isenabled()
    try:
        for round_ in range(repeat):
            if round_ >= 5 and time.perf_counter() > budget_end:
                break
            order.shuffle(names)
            for name in names:
                gc.collect(0)
                gc.disable()
                started = time.perf_counter()
                fns[name]()
                samples[name].append(time.perf_counter() - started)
                if enabled:
                    gc.enable()
    finally:
        if enabled:
            gc.enable()
    return {name: Timing(tuple(samples[name])) for name in fns}


def round_ratio(numerator: Timing, denominator: Timing) -> float:
    """The median over rounds of one round's ratio (`measure_interleaved`'s samples pair up).

    Steadier than the ratio of two medians: a busy spell slows both samples of a round, and
    the round's ratio cancels it."""
    pairs = [a / b for a, b in zip(numerator.samples, denominator.samples, strict=True) if b > 0]
    return statistics.median(pairs) if pairs else math.nan


@dataclass(frozen=True)
class ChildRun:
    """One child process: exit status, peak resident memory, and what it printed."""

    returncode: int
    peak_rss_bytes: int
    stdout: str
    stderr: str

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_bytes / 2**20


# Run in the child: the module as __main__, then print the process's own high-water mark.
# Not ru_maxrss from wait4: a forked child starts as a copy of the parent, and Linux counts the
# parent's resident pages in the child's maximum until exec, so a big parent inflates it.
_CHILD_BOOT = """
import atexit, runpy, sys

def _report_hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stdout.flush()
            sys.stderr.write("\\n__VmHWM__ %d\\n" % (int(line.split()[1]) * 1024))

atexit.register(_report_hwm)
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""
_HWM_MARK = "__VmHWM__ "


def child_peak_rss(
    module: str,
    args: Sequence[str],
    *,
    address_space_limit: int | None = None,
    timeout_s: float = 600.0,
) -> ChildRun:
    """Run `python -m module args...` in a fresh process; the peak RSS of that process alone.

    The peak is the child's VmHWM, printed by the child itself at exit; a child that dies
    without exiting (an allocation failure aborts) reports wait4's ru_maxrss instead, which
    may include the parent's pages (see _CHILD_BOOT). `address_space_limit` (bytes) sets
    RLIMIT_AS in the child before it starts, so mapping more fails inside the child instead of
    swapping the machine.
    """

    def limit() -> None:
        if address_space_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space_limit, address_space_limit))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_DIR), *sys.path[1:]])}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_BOOT, module, *args],
            stdout=out,
            stderr=err,
            text=True,
            preexec_fn=limit if address_space_limit is not None else None,
            cwd=REPO_DIR,
            env=env,
        )
        deadline = time.monotonic() + timeout_s
        while True:
            # wait4 reaps exactly this child and returns its own rusage (not all children's).
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
            time.sleep(0.01)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    peak = usage.ru_maxrss * 1024
    kept: list[str] = []
    for line in stderr.splitlines():
        if line.startswith(_HWM_MARK):
            peak = int(line[len(_HWM_MARK) :])
        else:
            kept.append(line)
    return ChildRun(process.returncode, peak, stdout, "\n".join(kept))


@dataclass
class Report:
    """One benchmark table: named columns, rows of cells, and notes printed under it."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: Cell) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)

    def column(self, name: str) -> list[Cell]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def to_markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join(" --- " for _ in self.columns) + "|")
        lines.extend("| " + " | ".join(format_cell(c) for c in row) + " |" for row in self.rows)
        if self.notes:
            lines.append("")
            lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines) + "\n"


def format_cell(cell: Cell) -> str:
    if cell is None:
        return "—"
    if isinstance(cell, float):
        if math.isnan(cell):
            return "—"
        magnitude = abs(cell)
        if magnitude >= 100:
            return f"{cell:,.0f}"
        if magnitude >= 10:
            return f"{cell:.1f}"
        return f"{cell:.2f}" if magnitude >= 0.01 or cell == 0 else f"{cell:.2g}"
    return str(cell)


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def version_of(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_report() -> Report:
    """nproc, memory, CPU model and the versions that the figures depend on."""
    report = Report("Machine and versions", ("item", "value"))
    report.add("nproc", os.cpu_count() or 0)
    report.add("memory", f"{_mem_total_gib():.1f} GiB")
    report.add("CPU", _cpu_model())
    report.add("OS", f"{platform.system()} {platform.release()} {platform.machine()}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    report.add("load average at start (1, 5, 15 min)", ", ".join(f"{x:.1f}" for x in load))
    report.add("python", platform.python_version())
    for package in ("pesql", "polars", "duckdb", "pandas", "pyarrow", "sqlglot", "lark"):
        report.add(package, version_of(package) or "absent")
    for package in ("ibis-framework", "json-repair", "tpchgen-cli"):
        report.add(package, version_of(package) or "absent (its column is skipped)")
    return report


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return math.nan


__all__ = [
    "DATA_DIR",
    "ChildRun",
    "Report",
    "Timing",
    "child_peak_rss",
    "format_cell",
    "machine_report",
    "measure",
    "measure_interleaved",
    "percentile",
    "ratio",
    "round_ratio",
    "version_of",
]


def rounds_main(
    argv: Sequence[str] | None,
    doc: str | None,
    run: Callable[[int], Sequence[Report]],
    rounds: int,
    smoke: int,
) -> int:
    """The command line of a benchmark measured in rounds: `--rounds N`, or `--smoke` for
    `smoke` rounds; prints each report as markdown."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help=f"{smoke} rounds")
    parser.add_argument("--rounds", type=int, default=rounds)
    args = parser.parse_args(argv)
    for report in run(smoke if args.smoke else args.rounds):
        print(report.to_markdown())
    return 0
