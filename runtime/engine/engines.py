"""One entry point for every engine a compiled plan can run on: `run_on`.

polars runs the plan itself (`CompiledPlan.collect`); the SQL engines run its SQL: DuckDB and
SQLite in-process, PostgreSQL on a server (`dsn` or an open psycopg `conn`), Spark on a
session (`master` URL, or an open `session`; `local[2]` by default). Every engine returns the
same `Result` as polars: the frame with the polars backend's column names and p-SQL types,
truncated to `limits.max_rows` (with the E304 note), the elapsed time and the notes.

    >>> import polars as pl
    >>> from pesql.runtime.engine.execute import compile
    >>> from pesql.compiler.backends.polars.dtypes import schema_from_polars
    >>> frame = pl.DataFrame({"a": [3, 1, 2]})
    >>> compiled = compile("SORT a", schema_from_polars(frame.schema))
    >>> run_on(compiled, frame, "duckdb").frame["a"].to_list()
    [1, 2, 3]
"""

from __future__ import annotations

import time
from typing import Any, Literal, get_args

import polars as pl
from pesql.grammar.diagnostics import Diagnostic
from pesql.runtime.engine.budget import Deadline
from pesql.runtime.engine.execute import CompiledPlan, Result, Tables, _source
from pesql.runtime.engine.limits import Limits, truncation_note
from pesql.runtime.tables.table import Table

__all__ = ["ENGINES", "Engine", "run_on"]

Engine = Literal["polars", "duckdb", "sqlite", "postgres", "spark"]
ENGINES: tuple[Engine, ...] = get_args(Engine)


def run_on(
    compiled: CompiledPlan,
    tables: Tables,
    engine: Engine = "polars",
    *,
    limits: Limits | None = None,
    dsn: str | None = None,
    conn: Any | None = None,
    master: str | None = None,
    session: Any | None = None,
    deadline: Deadline | None = None,
) -> Result:
    """Run `compiled` on `tables` with `engine`; the same `Result` shape for every engine.
    `deadline` (polars only) is a time budget shared with the stages before."""
    limits = limits or compiled.limits
    if engine == "polars":
        return compiled.collect(tables, limits, deadline=deadline)
    frames = {compiled.checked.table or "t": _frame(tables, compiled.checked.table)}
    for name, _schema in compiled.checked.joined:  # the tables JOIN and LOOKUP read
        frames[name] = _frame(tables, name)
    started = time.perf_counter()
    frame = _run_sql(compiled, frames, engine, dsn=dsn, conn=conn, master=master, session=session)
    elapsed = time.perf_counter() - started
    notes: tuple[Diagnostic, ...] = compiled.checked.notes
    truncated = limits.max_rows is not None and frame.height > limits.max_rows
    if truncated and limits.max_rows is not None:
        frame = frame.head(limits.max_rows)
        notes += (truncation_note(limits),)
    return Result(frame, truncated, elapsed, notes)


def _frame(tables: Tables, name: str | None) -> pl.DataFrame | pl.LazyFrame:
    source = _source(tables, name)
    return source.frame if isinstance(source, Table) else source


def _run_sql(
    compiled: CompiledPlan,
    frames: dict[str, pl.DataFrame | pl.LazyFrame],
    engine: Engine,
    *,
    dsn: str | None,
    conn: Any | None,
    master: str | None,
    session: Any | None,
) -> pl.DataFrame:
    plan = compiled.plan
    if engine == "duckdb":
        from pesql.runtime.engine.sql import execute_duckdb

        return execute_duckdb(plan, frames)
    if engine == "sqlite":
        from pesql.runtime.engine.sql import execute_sqlite

        return execute_sqlite(plan, frames)
    if engine == "postgres":
        from pesql.runtime.engine.postgres import connect, execute_postgres

        if conn is not None:
            return execute_postgres(plan, frames, conn)
        if dsn is None:
            raise ValueError("the postgres engine needs dsn= (a URL) or conn= (a connection)")
        with connect(dsn) as own:
            return execute_postgres(plan, frames, own)
    if engine == "spark":
        from pesql.runtime.engine.spark import execute_spark, spark_session

        return execute_spark(plan, frames, session or spark_session(master))
    raise ValueError(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")
