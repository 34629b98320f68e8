"""Execution at scale: TPC-H lineitem queries as p-SQL, hand-written polars, DuckDB and pandas.

    python -m bench.tpch                 # scale 1 (6 million rows), 5 repetitions
    python -m bench.tpch --scale 0.1
    python -m bench.tpch --smoke         # scale 0.01, 2 repetitions
    python -m bench.tpch --engines --dsn URL   # the same plans on polars, DuckDB, Postgres,
                                               # Spark (bench/tpch_engines.py)

The data is TPC-H lineitem from `tpchgen-cli`, cached as Parquet in bench/data/ with its
DECIMAL(15,2) columns stored as float64 (what pandas can use and what the polars and DuckDB
TPC-H benchmarks compare). Without `tpchgen-cli` a synthetic table with the same columns and
value ranges is generated with numpy instead, and the report says so.

Every engine reads the Parquet file in every run (column projection allowed: polars and DuckDB
push it down, pandas is given the column list), so IO is inside every figure. p-SQL runs
through `pesql.compile(...).collect` (the production path: time budget, polled background
collect); `p-SQL lowered` is the same polars plan collected directly, which isolates the
cost of the runtime wrapper from the quality of the generated plan. Answers are compared
across engines (floats to 1e-6 relative); a mismatch stops the run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections.abc import Callable, Sequence
from functools import cache, partial
from pathlib import Path

import numpy as np
import polars as pl
from pesql.runtime.engine.execute import CompiledPlan
from pesql.runtime.engine.limits import Limits

import pesql
from bench.common import DATA_DIR, Report, measure_interleaved, ratio
from bench.tpch_queries import QUERIES as QUERIES
from bench.tpch_queries import Query

# Big enough that no query here truncates and no scale here times out; the wrapper still polls.
LIMITS = Limits(max_rows=None, timeout_s=3600.0)
LINES_PER_SCALE = 6_000_000


# --- data -------------------------------------------------------------------------------------


def scale_label(scale: float) -> str:
    return f"{scale:g}"


def lineitem_path(scale: float) -> Path:
    return DATA_DIR / f"tpch-sf{scale_label(scale)}" / "lineitem.parquet"


def ensure_lineitem(scale: float) -> tuple[Path, str]:
    """The cached lineitem Parquet file at `scale` (generated on first use) and its source."""
    path = lineitem_path(scale)
    marker = path.with_suffix(".source")
    if path.exists() and marker.exists():
        return path, marker.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    tool = shutil.which("tpchgen-cli") or _venv_tool("tpchgen-cli")
    if tool is not None:
        raw_dir = path.parent / "raw"
        raw = raw_dir / "lineitem.parquet"
        if not raw.exists():
            subprocess.run(
                [tool, "parquet", "-s", scale_label(scale), "--tables=lineitem",
                 f"--output-dir={raw_dir}"],
                check=True, capture_output=True,
            )  # fmt: skip
        # DECIMAL(15,2) -> float64, streamed: the eager table may not fit in memory.
        pl.scan_parquet(raw).with_columns(pl.col(pl.Decimal).cast(pl.Float64)).sink_parquet(path)
        raw.unlink()
        source = f"tpchgen-cli {_tool_version(tool)} (TPC-H lineitem, scale {scale:g})"
    else:
        synthetic_lineitem(round(scale * LINES_PER_SCALE)).write_parquet(path)
        source = ("synthetic lineitem-like table (numpy): tpchgen-cli is not installed, "
                  "so these are not TPC-H data")  # fmt: skip
    marker.write_text(source + "\n")
    return path, source


def _venv_tool(name: str) -> str | None:
    import sys

    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else None


def _tool_version(tool: str) -> str:
    done = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().split()[-1] if done.stdout.strip() else "?"


SHIP_MODES = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"]


def synthetic_lineitem(rows: int, seed: int = 0) -> pl.DataFrame:
    """lineitem's columns and value ranges (not its exact distributions), for when tpchgen-cli
    is absent."""
    rng = np.random.default_rng(seed)
    ship = np.datetime64("1992-01-02") + rng.integers(0, 2526, rows)
    commit = ship + rng.integers(-60, 60, rows)
    receipt = ship + rng.integers(1, 31, rows)
    price = rng.uniform(900, 105_000, rows).round(2)
    return pl.DataFrame(
        {
            "l_orderkey": np.sort(rng.integers(1, max(rows // 4, 2), rows)),
            "l_partkey": rng.integers(1, 200_000, rows),
            "l_suppkey": rng.integers(1, 10_000, rows),
            "l_linenumber": rng.integers(1, 8, rows).astype(np.int32),
            "l_quantity": rng.integers(1, 51, rows).astype(np.float64),
            "l_extendedprice": price,
            "l_discount": rng.integers(0, 11, rows) / 100,
            "l_tax": rng.integers(0, 9, rows) / 100,
            "l_returnflag": rng.choice(["A", "N", "R"], rows),
            "l_linestatus": rng.choice(["F", "O"], rows),
            "l_shipdate": ship,
            "l_commitdate": commit,
            "l_receiptdate": receipt,
            "l_shipinstruct": rng.choice(
                ["DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"], rows
            ),
            "l_shipmode": rng.choice(SHIP_MODES, rows),
            "l_comment": rng.choice(["carefully final", "quickly even", "slyly bold"], rows),
        }
    ).with_columns(pl.col("l_shipdate", "l_commitdate", "l_receiptdate").cast(pl.Date))


# --- engines ----------------------------------------------------------------------------------

ENGINES = ("p-SQL", "p-SQL lowered", "polars", "DuckDB", "pandas")


def run_engine(engine: str, query: Query, path: Path) -> pl.DataFrame:
    """One run of `query` on `engine`, reading `path`; the answer as a polars frame."""
    answer: pl.DataFrame
    if engine == "p-SQL":
        answer = compiled(query, path).collect(pl.scan_parquet(path), LIMITS).frame
    elif engine == "p-SQL lowered":
        answer = compiled(query, path).lazy(pl.scan_parquet(path)).collect()
    elif engine == "p-SQL streaming":
        answer = compiled(query, path).lazy(pl.scan_parquet(path)).collect(engine="streaming")
    elif engine == "polars":
        answer = query.polars(pl.scan_parquet(path)).collect()
    elif engine == "DuckDB":
        answer = duckdb_frame(query.duckdb, path)
    elif engine == "pandas":
        answer = pl.from_pandas(query.pandas(path).reset_index(drop=True))
    else:
        raise ValueError(f"unknown engine {engine!r}")
    return answer


def compiled(query: Query, path: Path) -> CompiledPlan:
    # Cached by pesql itself (plan, schema): compile cost stays out of the execution figures.
    return pesql.compile(query.psql, parquet_schema(path), limits=LIMITS)


@cache
def parquet_schema(path: Path) -> pesql.Schema:
    return pesql.schema_from_polars(pl.scan_parquet(path).collect_schema())


def duckdb_frame(sql: str, path: Path) -> pl.DataFrame:
    import duckdb

    with duckdb.connect() as con:
        con.execute(f"CREATE VIEW lineitem AS SELECT * FROM read_parquet('{path}')")
        answer: pl.DataFrame = con.sql(sql).pl()
    return answer


def normalized(frame: pl.DataFrame) -> pl.DataFrame:
    """Numbers as float64, temporals as dates: each engine picks its own widths."""
    casts = []
    for name, dtype in frame.schema.items():
        if dtype.is_numeric() or dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Float64))
        elif dtype.is_temporal():
            casts.append(pl.col(name).cast(pl.Date))
        else:
            casts.append(pl.col(name))
    return frame.select(casts)


def check_agree(name: str, answers: dict[str, pl.DataFrame]) -> None:
    """Raise SystemExit when any engine's answer differs from hand-written polars'."""
    from polars.testing import assert_frame_equal

    expected = normalized(answers["polars"])
    for engine, frame in answers.items():
        try:
            assert_frame_equal(normalized(frame), expected, rel_tol=1e-6, abs_tol=1e-6)
        except AssertionError as exc:
            raise SystemExit(f"{name}: {engine} disagrees with polars: {exc}") from None


def agreeing_medians(
    name: str, runners: dict[str, Callable[[], pl.DataFrame]], repeat: int, warmup: int
) -> tuple[dict[str, pl.DataFrame], dict[str, float]]:
    """Each engine's answer, checked to agree with polars' (the first run, which also warms
    them), then each one's median ms over `repeat` interleaved rounds."""
    answers = {engine: run() for engine, run in runners.items()}
    check_agree(name, answers)
    timings = measure_interleaved(runners, repeat=repeat, warmup=warmup)
    return answers, {engine: timing.p50 * 1e3 for engine, timing in timings.items()}


def run(scale: float = 1.0, repeat: int = 5, smoke: bool = False) -> list[Report]:
    """Time every query on every engine; check the answers agree first."""
    path, source = ensure_lineitem(scale)
    rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    report = Report(
        f"TPC-H lineitem, scale {scale:g} ({rows:,} rows): median ms of {repeat} "
        "interleaved rounds",
        ("query", "rows out", *(f"{e} ms" for e in ENGINES),
         "p-SQL/polars", "lowered/polars", "p-SQL/DuckDB", "p-SQL/pandas"),
    )  # fmt: skip
    report.notes.append(f"data: {source}; Parquet read inside every run")
    report.notes.append(
        "`p-SQL` = pesql.compile(...).collect (time budget: polled background collect); "
        "`p-SQL lowered` = the same polars plan, .collect() directly"
    )
    for query in QUERIES:
        answers, medians = agreeing_medians(
            query.name,
            {engine: partial(run_engine, engine, query, path) for engine in ENGINES},
            repeat=repeat,
            warmup=0 if smoke else 1,
        )
        report.add(
            query.name,
            answers["polars"].height,
            *(medians[e] for e in ENGINES),
            ratio(medians["p-SQL"], medians["polars"]),
            ratio(medians["p-SQL lowered"], medians["polars"]),
            ratio(medians["p-SQL"], medians["DuckDB"]),
            ratio(medians["p-SQL"], medians["pandas"]),
        )
    report.notes.append("answers of all engines agree (floats to 1e-6 relative)")
    return [report]


def main(argv: Sequence[str] | None = None) -> list[Report]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="scale 0.01, 2 repetitions")
    parser.add_argument(
        "--engines", action="store_true", help="the same plans on polars, DuckDB, Postgres, Spark"
    )
    parser.add_argument("--dsn", help="the PostgreSQL server for --engines (or PESQL_BENCH_DSN)")
    args = parser.parse_args(argv)
    scale, repeat = (0.01, 2) if args.smoke else (args.scale, args.repeat)
    if args.engines:
        from bench import tpch_engines

        reports = tpch_engines.main(scale, repeat, args.dsn)
    else:
        reports = run(scale, repeat, smoke=args.smoke)
    for report in reports:
        print(report.to_markdown())
    return reports


if __name__ == "__main__":
    main()
