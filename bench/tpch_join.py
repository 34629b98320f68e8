"""A join at scale: TPC-H lineitem with orders, as p-SQL (LOOKUP), hand-written polars, DuckDB.

    python -m bench.tpch_join                 # scale 1 (6 million lineitems, 1.5 million orders)
    python -m bench.tpch_join --scale 0.1
    python -m bench.tpch_join --smoke         # scale 0.01, 2 repetitions

The question (TPC-H Q3's shape, without customers): revenue and line count per order priority
of the lines shipped after 1995-03-15 whose order was placed before it. p-SQL writes it as a
model would: `LOOKUP orders ON l_orderkey = o_orderkey`, then one FILTER over both tables.

Data: lineitem and orders from `tpchgen-cli` (cached as Parquet in bench/data/, DECIMAL as
float64), or, without it, synthetic tables with the same columns and key relation (numpy; the
report says so). Every engine reads both Parquet files in every run. `p-SQL` is
`pesql.compile(...).collect` on the catalog, so it includes LOOKUP's cardinality check (one
group-by over orders: is `o_orderkey` unique?) but not the data-aware warnings
(`data_warnings=False`); `p-SQL lowered` is the same polars plan collected directly.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections.abc import Sequence
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl
from pesql.runtime.engine.limits import Limits

import pesql
from bench.common import DATA_DIR, Report, ratio
from bench.tpch import LINES_PER_SCALE, agreeing_medians, scale_label, synthetic_lineitem

# No result-size budget: at scale 1 the joined lineitem is estimated at ~1.2 GB per step, past
# the default 1 GiB (E311), though the streaming engine never holds it whole.
LIMITS = Limits(max_rows=None, timeout_s=3600.0, data_warnings=False, max_result_bytes=None)
CUTOFF = date(1995, 3, 15)
PSQL = """FROM lineitem
LOOKUP orders ON l_orderkey = o_orderkey
FILTER o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
GROUP_BY o_orderpriority COMPUTE revenue = SUM(l_extendedprice * (1 - l_discount)), n = COUNT(*)
SORT o_orderpriority"""
DUCKDB = """SELECT o_orderpriority, sum(l_extendedprice * (1 - l_discount)) AS revenue,
       count(*) AS n
FROM lineitem JOIN orders ON l_orderkey = o_orderkey
WHERE o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
GROUP BY o_orderpriority ORDER BY o_orderpriority"""
PRIORITIES = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]
ENGINES = ("p-SQL", "p-SQL lowered", "polars", "DuckDB")


def synthetic_orders(lineitem: pl.DataFrame, seed: int = 1) -> pl.DataFrame:
    """One order per key lineitem can name (1 .. max key), with TPC-H's columns and ranges."""
    rng = np.random.default_rng(seed)
    count = int(lineitem["l_orderkey"].max() or 1)
    return pl.DataFrame(
        {
            "o_orderkey": np.arange(1, count + 1),
            "o_custkey": rng.integers(1, 150_000, count),
            "o_orderstatus": rng.choice(["F", "O", "P"], count),
            "o_totalprice": rng.uniform(800, 550_000, count).round(2),
            "o_orderdate": np.datetime64("1992-01-01") + rng.integers(0, 2406, count),
            "o_orderpriority": rng.choice(PRIORITIES, count),
            "o_shippriority": np.zeros(count, dtype=np.int64),
        }
    ).with_columns(pl.col("o_orderdate").cast(pl.Date))


def ensure_tables(scale: float) -> tuple[Path, Path, str]:
    """The cached lineitem and orders Parquet files at `scale`, and where they came from."""
    folder = DATA_DIR / f"tpch-join-sf{scale_label(scale)}"
    lineitem, orders, marker = (
        folder / f for f in ("lineitem.parquet", "orders.parquet", "source")
    )
    if lineitem.exists() and orders.exists() and marker.exists():
        return lineitem, orders, marker.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    tool = shutil.which("tpchgen-cli")
    if tool is not None:
        raw = folder / "raw"
        for table in ("lineitem", "orders"):
            subprocess.run(
                [tool, "parquet", "-s", scale_label(scale), f"--tables={table}",
                 f"--output-dir={raw}"],
                check=True, capture_output=True,
            )  # fmt: skip
            scan = pl.scan_parquet(raw / f"{table}.parquet")
            scan.with_columns(pl.col(pl.Decimal).cast(pl.Float64)).sink_parquet(
                folder / f"{table}.parquet"
            )
        shutil.rmtree(raw)
        source = f"tpchgen-cli (TPC-H lineitem and orders, scale {scale:g})"
    else:
        items = synthetic_lineitem(round(scale * LINES_PER_SCALE))
        items.write_parquet(lineitem)
        synthetic_orders(items).write_parquet(orders)
        source = ("synthetic lineitem and orders (numpy): tpchgen-cli is not installed, "
                  "so these are not TPC-H data")  # fmt: skip
    marker.write_text(source + "\n")
    return lineitem, orders, source


def hand_written(lineitem: pl.LazyFrame, orders: pl.LazyFrame) -> pl.LazyFrame:
    return (
        lineitem.join(orders, left_on="l_orderkey", right_on="o_orderkey")
        .filter((pl.col("o_orderdate") < CUTOFF) & (pl.col("l_shipdate") > CUTOFF))
        .group_by("o_orderpriority")
        .agg(
            (pl.col("l_extendedprice") * (1 - pl.col("l_discount"))).sum().alias("revenue"),
            pl.len().alias("n"),
        )
        .sort("o_orderpriority")
    )


def run_engine(engine: str, lineitem: Path, orders: Path) -> pl.DataFrame:
    tables = {"lineitem": pl.scan_parquet(lineitem), "orders": pl.scan_parquet(orders)}
    if engine in ("p-SQL", "p-SQL lowered"):
        schemas = {n: pesql.schema_from_polars(t.collect_schema()) for n, t in tables.items()}
        compiled = pesql.compile(PSQL, schemas, limits=LIMITS)
        if engine == "p-SQL":
            return compiled.collect(tables, LIMITS).frame
        return compiled.lazy(tables).collect()
    if engine == "polars":
        return hand_written(tables["lineitem"], tables["orders"]).collect()
    if engine == "DuckDB":
        import duckdb

        with duckdb.connect() as con:
            con.execute(f"CREATE VIEW lineitem AS SELECT * FROM read_parquet('{lineitem}')")
            con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet('{orders}')")
            answer: pl.DataFrame = con.sql(DUCKDB).pl()
        return answer
    raise ValueError(f"unknown engine {engine!r}")


NAME = "lineitem LOOKUP orders"


def run(scale: float = 1.0, repeat: int = 5, smoke: bool = False) -> list[Report]:
    lineitem, orders, source = ensure_tables(scale)
    rows = pl.scan_parquet(lineitem).select(pl.len()).collect().item()
    order_rows = pl.scan_parquet(orders).select(pl.len()).collect().item()
    report = Report(
        f"Join at scale {scale:g}: lineitem ({rows:,} rows) LOOKUP orders ({order_rows:,} rows), "
        f"median ms of {repeat} interleaved rounds",
        ("query", "rows out", *(f"{e} ms" for e in ENGINES),
         "p-SQL/polars", "lowered/polars", "p-SQL/DuckDB"),
    )  # fmt: skip
    report.notes.append(f"data: {source}; Parquet read inside every run")
    report.notes.append(
        "`p-SQL` includes LOOKUP's uniqueness check of o_orderkey (E330) and the time budget; "
        "`p-SQL lowered` is the same polars plan collected directly"
    )
    answers, medians = agreeing_medians(
        NAME,
        {engine: partial(run_engine, engine, lineitem, orders) for engine in ENGINES},
        repeat=repeat,
        warmup=0 if smoke else 1,
    )
    report.add(
        NAME,
        answers["polars"].height,
        *(medians[e] for e in ENGINES),
        ratio(medians["p-SQL"], medians["polars"]),
        ratio(medians["p-SQL lowered"], medians["polars"]),
        ratio(medians["p-SQL"], medians["DuckDB"]),
    )
    report.notes.append("answers of all engines agree (floats to 1e-6 relative)")
    return [report]


def main(argv: Sequence[str] | None = None) -> list[Report]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="scale 0.01, 2 repetitions")
    args = parser.parse_args(argv)
    scale, repeat = (0.01, 2) if args.smoke else (args.scale, args.repeat)
    reports = run(scale, repeat, smoke=args.smoke)
    for report in reports:
        print(report.to_markdown())
    return reports


if __name__ == "__main__":
    main()
