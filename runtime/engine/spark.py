"""Running plans on Spark (`--engine spark [--master URL]`), through pyspark's `spark.sql`.

- `execute_spark(plan, frames)`: the frame goes to Spark as Arrow (`createDataFrame` of a
  pyarrow Table), becomes a temporary view of a fresh `newSession()` (views are per session,
  so concurrent calls do not collide), and the plan's Spark SQL runs; the answer comes back
  as Arrow (`toArrow`) with the polars backend's column names and p-SQL types.
- `run_spark(plan, table, session=...)`: the table is already known to Spark (a catalog
  table or a view over Parquet/Delta files); nothing is copied through Python.

The session is started once per process (`spark_session(master)`): `local[2]` by default,
UTC as the session time zone and TIMESTAMP_NTZ timestamps, because p-SQL datetimes are naive
(a zoned TIMESTAMP would shift them by the JVM's zone).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.sql.lower import to_sql
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.grammar import ast as A
from pesql.runtime.engine.sql import Frames, conform, failed, prepare, sql_of
from pesql.runtime.extras import require

__all__ = ["DEFAULT_MASTER", "execute_spark", "run_spark", "spark_session"]

DEFAULT_MASTER = "local[2]"

# Settings that make Spark's answers p-SQL's (docs/sql.md, "Spark").
_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    # ANSI mode (Spark 4's default): a failing CAST and an integer overflow are errors, as in
    # polars, instead of a silent NULL or a wrapped value.
    "spark.sql.ansi.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # Small answers: two shuffle partitions instead of 200 save ~0.1 s per query locally.
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}

_SESSIONS: dict[str, Any] = {}
_LOCK = threading.Lock()


def spark_session(master: str | None = None) -> Any:
    """The process's SparkSession for `master` (started on first use, ~5 s; reused after)."""
    require("pyspark", "the Spark engine (--engine spark)")
    from pyspark.sql import SparkSession

    master = master or DEFAULT_MASTER
    with _LOCK:
        if master not in _SESSIONS:
            builder = SparkSession.builder.master(master).appName("pesql")
            for key, value in _CONF.items():
                builder = builder.config(key, value)
            session = builder.getOrCreate()
            session.sparkContext.setLogLevel("FATAL")
            # pyspark logs every failing query's JVM stack trace (a screenful) before raising;
            # the PesqlError (E305) carries the message already.
            logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
            _SESSIONS[master] = session
        return _SESSIONS[master]


def _errors() -> tuple[type[Exception], ...]:
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    return (PySparkException, Py4JError)


def execute_spark(plan: A.Plan, tables: Frames, session: Any | None = None) -> pl.DataFrame:
    """Run `plan` on `tables` (name -> frame) in Spark (`session`, else the local one)."""
    spark = (session or spark_session()).newSession()
    checked, frames, ordinal = prepare(plan, tables)
    sql = sql_of(checked, "spark", ordinal)
    try:
        for name, frame in frames.items():  # the input and the tables JOIN/LOOKUP read
            spark.createDataFrame(frame.to_arrow()).createOrReplaceTempView(quote_spark(name))
        answer = spark.sql(sql).toArrow()
    except _errors() as exc:
        raise failed(exc) from exc
    return _to_polars(answer, checked.output_schema)


def run_spark(
    plan: A.Plan, table: str, *, session: Any | None = None, ordinal_column: str | None = None
) -> pl.DataFrame:
    """Run `plan` on `table`, a table or view Spark already knows (`db.table`): no copy."""
    spark = session or spark_session()
    try:
        empty = pl.from_arrow(spark.table(table).limit(0).toArrow())
    except _errors() as exc:
        raise failed(exc) from exc
    assert isinstance(empty, pl.DataFrame)
    checked = check(plan, schema_from_polars(empty.schema))
    sql = to_sql(
        checked.plan, checked.input_schema, "spark", table=table, ordinal_column=ordinal_column
    )
    try:
        answer = spark.sql(sql).toArrow()
    except _errors() as exc:
        raise failed(exc) from exc
    return _to_polars(answer, checked.output_schema)


def quote_spark(name: str) -> str:
    """A view name for `createOrReplaceTempView` (plain names need no backticks)."""
    return name if name.isidentifier() else "`" + name.replace("`", "``") + "`"


def _to_polars(answer: Any, schema: Schema) -> pl.DataFrame:
    frame = pl.from_arrow(answer)
    assert isinstance(frame, pl.DataFrame)
    # Spark names columns as the SQL spells them; the output schema has the exact names.
    frame = frame.rename(dict(zip(frame.columns, schema.names(), strict=True)))
    return conform(frame, schema)
