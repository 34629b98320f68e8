"""What exact integers cost: p-SQL's overflow-checked integer arithmetic against polars' wrapping.

    python -m bench.integers              # 1,000,000 rows, 15 rounds
    python -m bench.integers --smoke      # 10,000 rows, 3 rounds

Integer `+ - *`, SUM and CUMSUM compute in Int128 and convert back strictly, so that a result
past Int64 fails instead of wrapping (compiler/backends/polars/integers.py); a narrower
column is read as Int64 first (dtypes.widened). Each case runs a compiled p-SQL plan and the
same query written by hand in polars (which wraps), in shuffled rounds; the ratio is the
median of each round's ratio. The float case is the control: floats lower as before, so its
ratio is what pesql costs on any query, and the integer cases' excess over it is the checking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.runtime.engine.execute import compile
from pesql.runtime.engine.limits import Limits
from polars.testing import assert_frame_equal

from bench.common import Report, measure_interleaved, round_ratio, rounds_main

# (label, p-SQL plan, the same query in polars)
CASES: tuple[tuple[str, str, Callable[[pl.LazyFrame], pl.LazyFrame]], ...] = (
    (
        "float control: DERIVE x * y + y, SUM",
        "DERIVE r = x * y + y\nAGGREGATE t = SUM(r)",
        lambda f: f.select((pl.col("x") * pl.col("y") + pl.col("y")).sum().alias("t")),
    ),
    (
        "integer: DERIVE a * b + b, SUM",
        "DERIVE r = a * b + b\nAGGREGATE t = SUM(r)",
        lambda f: f.select((pl.col("a") * pl.col("b") + pl.col("b")).sum().alias("t")),
    ),
    (
        "integer: GROUP_BY g COMPUTE SUM(a)",
        "GROUP_BY g COMPUTE t = SUM(a)",
        lambda f: f.group_by("g", maintain_order=True).agg(pl.col("a").sum().alias("t")),
    ),
    (
        "Int32 column: SUM (read as Int64)",
        "AGGREGATE t = SUM(c)",
        lambda f: f.select(pl.col("c").sum().alias("t")),
    ),
)


def make_table(rows: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "g": rng.integers(0, 100, rows),
            "a": rng.integers(-1_000_000, 1_000_000, rows),
            "b": rng.integers(-1_000, 1_000, rows),
            "c": rng.integers(0, 1_000, rows).astype(np.int32),
            "x": rng.random(rows),
            "y": rng.random(rows),
        }
    )


def run(rounds: int, rows: int = 1_000_000) -> list[Report]:
    frame = make_table(rows)
    schema = schema_from_polars(frame.schema)
    quiet = Limits(data_warnings=False, timeout_s=None)
    report = Report(
        f"Exact integers on {rows:,} rows: a compiled p-SQL plan's collect against polars, ms",
        ("case", "p-SQL p50 ms", "polars p50 ms", "ratio (per-round median)"),
    )
    for label, text, by_hand in CASES:
        compiled = compile(text, schema)
        expected = by_hand(frame.lazy()).collect()
        got = compiled.collect(frame, quiet).frame
        try:  # the same sums (none wraps here; float sums may differ in the last bits)
            assert_frame_equal(got, expected, check_dtypes=False, rel_tol=1e-9)
        except AssertionError as exc:
            raise SystemExit(f"{label}: p-SQL and polars disagree: {exc}") from None
        timings = measure_interleaved(
            {
                "psql": lambda c=compiled: c.collect(frame, quiet),
                "polars": lambda h=by_hand: h(frame.lazy()).collect(),
            },
            repeat=rounds,
        )
        psql, polars = timings["psql"], timings["polars"]
        report.add(
            label,
            round(psql.p50 * 1e3, 2),
            round(polars.p50 * 1e3, 2),
            round(round_ratio(psql, polars), 2),
        )
    report.notes.append(
        f"{rounds} rounds, order shuffled per round; no data warnings, no time budget (the "
        "plan's own query); polars' integer sums here wrap on overflow, p-SQL's fail"
    )
    return [report]


def main(argv: Sequence[str] | None = None) -> int:
    def chosen(rounds: int) -> list[Report]:
        return run(rounds, rows=10_000 if rounds <= 3 else 1_000_000)

    return rounds_main(argv, __doc__, chosen, rounds=15, smoke=3)


if __name__ == "__main__":
    raise SystemExit(main())
