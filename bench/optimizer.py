"""Time model-style redundant plans run as written and after `optimize`, in the same run.

    python -m bench.optimizer                   # 3_000_000 rows, 9 repetitions
    python -m bench.optimizer --rows 1000000
    python -m bench.optimizer --smoke           # 10_000 rows, a few seconds

Each case is a plan the way models write them (sort before group-by, unused derived columns,
split filters, constant arithmetic, filter after derive/window/group-by, ...). Both forms are
lowered with the polars backend and collected with polars' own optimizer on; the table shows
the median time of each (the two run alternately, so machine load hits both) and the speedup
(as written / optimized). Two rows are probes, not optimizations: `top-k fusion` (SORT alone
against SORT+LIMIT: polars fuses the two into a top-k, so there is no top-k pass) and
`temp column, plain math` (a repeated plain-arithmetic expression against a temp column:
polars' own CSE shares it, which is why share_subexpressions leaves plain arithmetic alone).
Results of both forms are compared; a mismatch stops the run.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.compiler.passes.optimize import optimize
from pesql.grammar.parse import parse
from pesql.grammar.printer import to_text
from polars.testing import assert_frame_equal


@dataclass(frozen=True)
class Case:
    name: str
    plan: str
    # When set, the "optimized" side is this hand-written plan (a probe), not optimize(plan).
    against: str | None = None


CASES = (
    Case("sort before group-by",
         "SORT price DESC\nGROUP_BY region COMPUTE n = COUNT(*), top = MAX(price), "
         "units = SUM(qty)\nSORT region"),
    Case("sort before aggregate",
         "SORT price DESC\nAGGREGATE n = COUNT(*), top = MAX(price), units = SUM(qty)"),
    Case("unused derived columns",
         "DERIVE margin = price - cost, ratio = price / cost, label = UPPER(category), "
         "big = price > 100\nGROUP_BY region COMPUTE units = SUM(qty), m = MAX(margin)"),
    Case("split filters",
         "FILTER price > 10\nFILTER qty > 2\nFILTER region != 'r1'\nFILTER cost < 900"),
    Case("constant arithmetic",
         "DERIVE v = price * (60 * 60 * 24) / (1000 * 1000), w = qty * 1 + (2 - 2)\n"
         "FILTER v > 2 * 50 AND TRUE"),
    Case("filter after derive and sort",
         "DERIVE margin = price - cost, label = CONCAT(region, '-', category)\n"
         "SORT margin DESC\nFILTER region = 'r1'"),
    Case("filter after window",
         "WINDOW share = SHARE(price), rank = RANK() PARTITION BY region ORDER BY price DESC\n"
         "FILTER region = 'r3'"),
    Case("filter after group-by",
         "GROUP_BY region, category COMPUTE n = COUNT(*), p = AVG(price)\n"
         "FILTER region = 'r2'"),
    Case("limit after derive",
         "SORT price DESC\nDERIVE margin = price - cost, label = UPPER(category)\nLIMIT 10"),
    Case("top-k fusion (probe)", "SORT price DESC", against="SORT price DESC\nLIMIT 10"),
    Case("repeated subexpression",
         "DERIVE a = ABS(SQRT(price * cost + qty) * 3.0 - price), "
         "b = ABS(SQRT(price * cost + qty) * 3.0 - price) + 1, "
         "c = ABS(SQRT(price * cost + qty) * 3.0 - price) * 2"),
    Case("temp column, plain math (probe)",
         "DERIVE a = ABS((price * cost + qty) * 3.0 - price), "
         "b = ABS((price * cost + qty) * 3.0 - price) + 1, "
         "c = ABS((price * cost + qty) * 3.0 - price) * 2",
         against="DERIVE t = ABS((price * cost + qty) * 3.0 - price)\n"
         "DERIVE a = t, b = t + 1, c = t * 2\nDROP t"),
)  # fmt: skip


def make_table(rows: int, seed: int = 0) -> pl.DataFrame:
    """A sales-like table: 8 regions, 50 categories, prices, costs, quantities, with nulls."""
    rng = np.random.default_rng(seed)
    price = rng.uniform(1, 1000, rows).round(2)
    raw = pl.DataFrame(
        {
            "region": rng.integers(0, 8, rows),
            "category": rng.integers(0, 50, rows),
            "qty": rng.integers(0, 20, rows),
            "missing": rng.random(rows) < 0.01,
            "price": price,
            "cost": (price * rng.uniform(0.3, 0.9, rows)).round(2),
        }
    )
    return raw.select(
        pl.concat_str(pl.lit("r"), pl.col("region").cast(pl.String)).alias("region"),
        pl.concat_str(pl.lit("c"), pl.col("category").cast(pl.String)).alias("category"),
        pl.when(~pl.col("missing")).then(pl.col("qty")).alias("qty"),
        "price",
        "cost",
    )


def median_seconds(
    first: pl.LazyFrame, second: pl.LazyFrame, repeats: int
) -> tuple[float, float, pl.DataFrame, pl.DataFrame]:
    """Median collect times of both, run alternately so that load on the machine hits both."""
    results = first.collect(), second.collect()  # warm caches and the thread pool
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for lazy, spent in zip((first, second), times, strict=True):
            started = time.perf_counter()
            lazy.collect()
            spent.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1]), *results


def run_case(case: Case, frame: pl.DataFrame, schema: Schema, repeats: int) -> tuple[float, float]:
    written = check(parse(case.plan), schema)
    other = check(parse(case.against), schema) if case.against else optimize(written)
    slow, fast, expected, actual = median_seconds(
        to_polars(written, frame.lazy()), to_polars(other, frame.lazy()), repeats
    )
    if case.against is None:
        try:
            # polars sums floats per thread: groups may differ in the last bits run to run.
            assert_frame_equal(expected, actual, rel_tol=1e-9, abs_tol=1e-12)
        except AssertionError as exc:
            plans = f"{to_text(written.plan)}\n--\n{to_text(other.plan)}"
            raise SystemExit(f"{case.name}: results differ: {exc}\n{plans}") from None
    return slow, fast


def main(argv: Sequence[str] | None = None) -> list[tuple[str, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--smoke", action="store_true", help="10_000 rows, 3 repetitions")
    parser.add_argument("--show", action="store_true", help="print each plan after optimizing")
    args = parser.parse_args(argv)
    rows, repeats = (10_000, 3) if args.smoke else (args.rows, args.repeats)
    frame = make_table(rows)
    schema = schema_from_polars(frame.schema)
    print(f"polars {pl.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()} {platform.system()}, {pl.thread_pool_size()} threads; "
          f"{rows:_} rows, median of {repeats}")  # fmt: skip
    print(f"{'case':<30} {'as written ms':>14} {'optimized ms':>13} {'speedup':>8}")
    results = []
    for case in CASES:
        slow, fast = run_case(case, frame, schema, repeats)
        results.append((case.name, slow, fast))
        print(f"{case.name:<30} {slow * 1e3:>14.1f} {fast * 1e3:>13.1f} {slow / fast:>7.2f}x")
        if args.show and case.against is None:
            optimized = optimize(check(parse(case.plan), schema)).plan
            print("    " + to_text(optimized).replace("\n", "\n    "))
    return results


if __name__ == "__main__":
    main()
