"""The same p-SQL plans (TPC-H lineitem queries) on polars, DuckDB, PostgreSQL and Spark.

    python -m bench.tpch --engines --dsn postgresql://USER@HOST:PORT/DB   # scale 1, 3 rounds
    python -m bench.tpch --engines --smoke --dsn ...                      # scale 0.01

Each engine loads lineitem once, timed apart from the queries: polars reads the Parquet
file into memory; DuckDB `CREATE TABLE ... AS SELECT * FROM read_parquet(...)`; PostgreSQL
an UNLOGGED table filled by `COPY ... FROM STDIN (FORMAT csv)` (polars writes the CSV in
slices, psycopg streams it) then ANALYZE; Spark reads the Parquet file and caches it
(`count()` materializes the cache). Then every query's p-SQL plan runs on every engine:
polars through `pesql.compile(...).collect`, the others through `to_sql` on the loaded
table (`run_postgres`, `run_spark`, DuckDB's `con.sql`): the plans are the same, only the
engine differs. Answers are compared with polars' first (floats to 1e-6 relative).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import polars as pl
from pesql.compiler.backends.sql.lower import to_sql
from pesql.runtime.engine.postgres import connect, postgres_type, run_postgres
from pesql.runtime.engine.spark import run_spark, spark_session

import pesql
from bench.common import Report, ratio
from bench.tpch import LIMITS, agreeing_medians, ensure_lineitem
from bench.tpch_queries import QUERIES, Query

ENGINES = ("polars", "DuckDB", "Postgres", "Spark")
Runner = Callable[[Query], pl.DataFrame]


def load_polars(path: Path) -> Runner:
    frame = pl.read_parquet(path)
    schema = pesql.schema_from_polars(frame.schema)

    def run(query: Query) -> pl.DataFrame:
        return pesql.compile(query.psql, schema, limits=LIMITS).collect(frame.lazy(), LIMITS).frame

    return run


def load_duckdb(path: Path) -> Runner:
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE TABLE lineitem AS SELECT * FROM read_parquet('{path}')")
    schema = pesql.schema_from_polars(pl.scan_parquet(path).collect_schema())

    def run(query: Query) -> pl.DataFrame:
        sql = to_sql(pesql.parse(query.psql), schema, "duckdb", table="lineitem")
        answer: pl.DataFrame = con.sql(sql).pl()
        return answer

    return run


def load_postgres(path: Path, dsn: str) -> Runner:
    conn = connect(dsn)
    conn.autocommit = True
    schema = pesql.schema_from_polars(pl.scan_parquet(path).collect_schema())
    columns = ", ".join(f'"{n}" {postgres_type(t.dtype)}' for n, t in schema.items())
    conn.execute("DROP TABLE IF EXISTS lineitem")
    conn.execute(f"CREATE UNLOGGED TABLE lineitem ({columns})")
    frame = pl.read_parquet(path)
    with conn.cursor() as cur, cur.copy("COPY lineitem FROM STDIN (FORMAT csv)") as copy:
        for piece in frame.iter_slices(500_000):
            copy.write(piece.write_csv(include_header=False))
    conn.execute("ANALYZE lineitem")
    del frame

    def run(query: Query) -> pl.DataFrame:
        return run_postgres(conn, pesql.parse(query.psql), "lineitem")

    return run


def load_spark(path: Path) -> Runner:
    session = spark_session()
    table = session.read.parquet(str(path)).cache()
    table.count()  # materializes the cache
    table.createOrReplaceTempView("lineitem")

    def run(query: Query) -> pl.DataFrame:
        return run_spark(pesql.parse(query.psql), "lineitem", session=session)

    return run


def run(scale: float, repeat: int, dsn: str) -> list[Report]:
    """Load once per engine, check the answers agree, then time each query per engine."""
    # Spark's driver holds the cache: give it room before its JVM starts (the default is 1g).
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", "--driver-memory 4g pyspark-shell")
    path, source = ensure_lineitem(scale)
    rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    loads = Report(
        f"Loading TPC-H lineitem, scale {scale:g} ({rows:,} rows), once per engine",
        ("engine", "load s", "how"),
    )
    loaders: dict[str, tuple[Callable[[], Runner], str]] = {
        "polars": (partial(load_polars, path), "read_parquet into memory"),
        "DuckDB": (partial(load_duckdb, path), "CREATE TABLE AS read_parquet"),
        "Postgres": (partial(load_postgres, path, dsn), "COPY csv into an UNLOGGED table, ANALYZE"),
        "Spark": (partial(load_spark, path), "read.parquet().cache(), count()"),
    }
    runners: dict[str, Runner] = {}
    for engine, (load, how) in loaders.items():
        start = time.perf_counter()
        runners[engine] = load()
        loads.add(engine, time.perf_counter() - start, how)
    loads.notes.append(f"data: {source}")
    report = Report(
        f"TPC-H lineitem, scale {scale:g}: the same p-SQL plans per engine, median ms of "
        f"{repeat} interleaved rounds (tables loaded beforehand)",
        ("query", "rows out", *(f"{e} ms" for e in ENGINES),
         "DuckDB/polars", "Postgres/polars", "Spark/polars"),
    )  # fmt: skip
    for query in QUERIES:
        answers, ms = agreeing_medians(
            query.name,
            {engine: partial(runners[engine], query) for engine in ENGINES},
            repeat=repeat,
            warmup=0,  # the agreement run warmed every engine
        )
        report.add(
            query.name,
            answers["polars"].height,
            *(ms[e] for e in ENGINES),
            *(ratio(ms[e], ms["polars"]) for e in ENGINES[1:]),
        )
    report.notes.append(
        "polars: pesql.compile(...).collect on the in-memory frame; the others: to_sql of the "
        "same plan on the loaded table (Postgres and Spark number rows in scan order)"
    )
    report.notes.append("answers of all engines agree (floats to 1e-6 relative)")
    return [loads, report]


def main(scale: float, repeat: int, dsn: str | None) -> list[Report]:
    dsn = dsn or os.environ.get("PESQL_BENCH_DSN")
    if not dsn:
        raise SystemExit("--engines needs a PostgreSQL server: --dsn URL (or PESQL_BENCH_DSN)")
    return run(scale, repeat, dsn)
