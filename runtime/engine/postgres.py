"""Running plans on PostgreSQL (`--engine postgres --dsn URL`), through psycopg 3.

Two ways in, both returning the polars backend's column names and p-SQL types:

- `execute_postgres(plan, frames, conn)`: the frames are copied into a temporary table
  with COPY (psycopg's `copy.write_row`, no SQL literals), the plan's Postgres SQL runs, and
  the transaction is rolled back, so nothing outlives the call.
- `run_postgres(conn, plan, table)`: the table already lives in the database; nothing is
  copied. Its schema is read from the server (`SELECT * ... LIMIT 0`), rows are numbered in
  scan order unless `ordinal_column` names a column that orders them (docs/sql.md).

Connections are the caller's (`connect(dsn)` opens one with an E305 on failure): a pool or
a long-lived connection avoids a connection per query.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.sql.lower import to_sql
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.types import DType
from pesql.runtime.engine.sql import (
    Frames,
    failed,
    prepare,
    quote,
    rows_to_frame,
    sql_of,
)
from pesql.runtime.extras import require

__all__ = ["connect", "execute_postgres", "postgres_type", "run_postgres", "schema_of_table"]

# p-SQL type -> the column type the input table is created with.
_PG_TYPES: dict[DType, str] = {
    "integer": "BIGINT",
    "float": "DOUBLE PRECISION",
    "decimal": "NUMERIC(38, 9)",
    "string": "TEXT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "duration": "INTERVAL",
    # A column of nulls only: any type does; TEXT accepts the NULLs COPY writes.
    "null": "TEXT",
}

# Postgres type names (pg_type.typname) -> p-SQL types, for tables that live there already.
_FROM_PG: dict[str, DType] = {
    "int2": "integer",
    "int4": "integer",
    "int8": "integer",
    "float4": "float",
    "float8": "float",
    "numeric": "decimal",
    "text": "string",
    "varchar": "string",
    "bpchar": "string",
    "name": "string",
    "bool": "boolean",
    "date": "date",
    "timestamp": "datetime",
    "timestamptz": "datetime",
    "interval": "duration",
}


def postgres_type(dtype: DType) -> str:
    """The Postgres column type a p-SQL type is stored as (`postgres_type("float")`)."""
    return _PG_TYPES[dtype]


def _psycopg() -> Any:
    return require("psycopg", "the PostgreSQL engine (--engine postgres)")


def connect(dsn: str) -> Any:
    """A psycopg connection to `dsn` (a URL or `key=value` string); E305 when it fails."""
    psycopg = _psycopg()
    try:
        return psycopg.connect(dsn)
    except psycopg.Error as exc:
        hint = "check the --dsn URL: postgresql://USER@HOST:PORT/DATABASE"
        problem = f"cannot connect to PostgreSQL: {str(exc).strip().splitlines()[0]}"
        raise PesqlError([Diagnostic.make("E305", problem=problem, hints=(hint,))]) from exc


def execute_postgres(plan: A.Plan, tables: Frames, conn: Any) -> pl.DataFrame:
    """Run `plan` on `tables` (name -> frame) copied into a temporary table on `conn`."""
    psycopg = _psycopg()
    checked, frames, ordinal = prepare(plan, tables)
    sql = sql_of(checked, "postgres", ordinal)
    try:
        # The temporary tables live only inside this transaction: force_rollback drops them,
        # also when the caller's connection is reused for the next plan.
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            for name, frame in frames.items():  # the input and the tables JOIN/LOOKUP read
                _copy_in(cur, name, frame, ordinal)
            cur.execute(sql)
            rows = cur.fetchall()
    except psycopg.Error as exc:
        raise failed(exc) from exc
    return rows_to_frame(rows, checked.output_schema)


def _copy_in(cur: Any, name: str, frame: pl.DataFrame, ordinal: str) -> None:
    """`frame` as the temporary table `name`, by COPY."""
    schema = schema_from_polars(frame.drop(ordinal).schema)
    types = {**{n: postgres_type(t.dtype) for n, t in schema.items()}, ordinal: "BIGINT"}
    columns = ", ".join(quote(c) for c in frame.columns)
    create = ", ".join(f"{quote(c)} {types[c]}" for c in frame.columns)
    cur.execute(f"CREATE TEMPORARY TABLE {quote(name)} ({create})")
    with cur.copy(f"COPY {quote(name)} ({columns}) FROM STDIN") as copy:
        for row in frame.iter_rows():
            copy.write_row(row)


def schema_of_table(conn: Any, table: str) -> Schema:
    """The p-SQL schema of an existing table (columns of other types are kept as unsupported,
    as `schema_from_polars` does: E217 only when a plan uses them)."""
    psycopg = _psycopg()
    name = ".".join(quote(p) for p in table.split("."))
    try:
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            cur.execute(f"SELECT * FROM {name} LIMIT 0")
            described = [(d.name, d.type_code) for d in cur.description or ()]
            oids = [oid for _, oid in described]
            cur.execute("SELECT oid, typname FROM pg_type WHERE oid = ANY(%s)", (oids,))
            names = dict(cur.fetchall())
    except psycopg.Error as exc:
        raise failed(exc) from exc
    columns = []
    for column, oid in described:
        typname = names.get(oid, str(oid))
        dtype = _FROM_PG.get(typname)
        columns.append(
            (column, ColumnType(dtype) if dtype else ColumnType("null", unsupported=typname))
        )
    return Schema(tuple(columns))


def run_postgres(
    conn: Any, plan: A.Plan, table: str, *, ordinal_column: str | None = None
) -> pl.DataFrame:
    """Run `plan` on `table`, a table (`schema.table`) already in the database: no copy."""
    psycopg = _psycopg()
    checked = check(plan, schema_of_table(conn, table))
    sql = to_sql(
        checked.plan, checked.input_schema, "postgres", table=table, ordinal_column=ordinal_column
    )
    try:
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            cur.execute(sql)
            rows = cur.fetchall()
    except psycopg.Error as exc:
        raise failed(exc) from exc
    return rows_to_frame(rows, checked.output_schema)
