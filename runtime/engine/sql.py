"""Running plans as SQL in-process: DuckDB (`--engine duckdb`, and the test oracle) and SQLite.

Both engines check the plan, add a row-ordinal column to the input (so row order is exact,
not the engine's scan order), run `to_sql` and return a polars frame with the column names
and p-SQL types the polars backend produces:

    >>> import polars as pl
    >>> from pesql.grammar.parse import parse
    >>> execute_duckdb(parse("FILTER a > 1"), {"t": pl.DataFrame({"a": [1, 2, 3]})})["a"].to_list()
    [2, 3]
"""

from __future__ import annotations

import datetime as dt
import decimal
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
from pesql.compiler.backends.polars.dtypes import polars_dtype, schema_from_polars, widened
from pesql.compiler.backends.polars.names import col
from pesql.compiler.backends.sql.lower import UNSUPPORTED, to_sql, unsupported_ops
from pesql.compiler.check.check import CheckedPlan, check
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.engine.limits import execution_error
from pesql.runtime.extras import require

__all__ = [
    "INPUT_TABLE",
    "SQLITE_UNSUPPORTED",
    "Frames",
    "execute_duckdb",
    "execute_sqlite",
    "failed",
    "prepare",
    "quote",
    "rows_to_frame",
]

Frames = Mapping[str, pl.DataFrame | pl.LazyFrame]

# Operations `execute_sqlite` cannot run; plans using them raise E310 (never silently skipped).
SQLITE_UNSUPPORTED: frozenset[str] = UNSUPPORTED["sqlite"]

# The name the SQL reads the input table by (a registered frame, a temporary table or view).
INPUT_TABLE = "pesql_input"
_INPUT = INPUT_TABLE
_ORDINAL = "__pesql_input_row"


def prepare(plan: A.Plan, tables: Frames) -> tuple[CheckedPlan, dict[str, pl.DataFrame], str]:
    """The checked plan, the frames it reads by SQL name (the input as `_INPUT`, joined tables
    as `_INPUT_<i>`), each with an ordinal column, and that column's name."""
    # Every engine reads p-SQL's 64-bit integers and doubles: an Int32 column registered in
    # DuckDB as it is would overflow at 32 bits where polars does not (dtypes.widened).
    try:
        frames = {name: _as_read(f) for name, f in tables.items()}
    except pl.exceptions.PolarsError as exc:  # a UInt64 value past Int64
        raise execution_error(exc) from exc
    schemas = {name: schema_from_polars(f.schema) for name, f in frames.items()}
    checked = check(plan, schemas)
    assert checked.table is not None  # check() raised E210 otherwise
    read = [frames[checked.table], *(frames[name] for name, _s in checked.joined)]
    ordinal = _ORDINAL
    while any(ordinal in f.columns for f in read):
        ordinal = "_" + ordinal
    numbered = {
        _sql_name(i): f.with_row_index(ordinal).with_columns(pl.col(ordinal).cast(pl.Int64))
        for i, f in enumerate(read)
    }
    return checked, numbered, ordinal


def _as_read(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """`frame` collected at p-SQL's widths; a DataFrame already at them as it is."""
    lazy = frame.lazy()
    wide = widened(lazy, decimals=False)
    if wide is lazy and isinstance(frame, pl.DataFrame):
        return frame
    return wide.collect()


def _sql_name(i: int) -> str:
    return _INPUT if i == 0 else f"{_INPUT}_{i}"


def sql_of(checked: CheckedPlan, dialect: str, ordinal: str) -> str:
    """The plan's SQL over the tables `prepare` named (the input and the joined ones)."""
    return to_sql(
        checked.plan,
        checked.input_schema,
        dialect,  # type: ignore[arg-type]
        table=_INPUT,
        ordinal_column=ordinal,
        tables=dict(checked.joined),
        table_names={name: _sql_name(i + 1) for i, (name, _s) in enumerate(checked.joined)},
    )


def failed(exc: Exception) -> PesqlError:
    return PesqlError([Diagnostic.make("E305", None, problem=str(exc).splitlines()[0])])


def execute_duckdb(plan: A.Plan, tables: Frames) -> pl.DataFrame:
    """Run `plan` on `tables` (name -> frame) in an in-memory DuckDB; no files are written."""
    # Optional dependency: only this engine needs it (E309 names the extra when missing).
    duckdb = require("duckdb", "the DuckDB engine (--engine duckdb)")

    checked, frames, ordinal = prepare(plan, tables)
    sql = sql_of(checked, "duckdb", ordinal)
    # A cursor is a new connection to one shared in-memory database: opening a database costs
    # ~25 ms, a cursor half that. Registered frames are per cursor, so calls do not collide.
    con = _database().cursor()
    try:
        for name, frame in frames.items():
            con.register(name, frame)
        result = _intervals_as_micros(con.sql(sql)).pl()
    except duckdb.Error as exc:
        raise failed(exc) from exc
    finally:
        con.close()
    return conform(result, checked.output_schema)


def _intervals_as_micros(rel: Any) -> Any:
    """INTERVAL columns as microseconds (polars cannot import Arrow's month-day-nano type);
    `conform` casts them back to Duration("us")."""
    import duckdb

    if all(str(t) != "INTERVAL" for t in rel.types):
        return rel
    # Quoted SQL, not ColumnExpression: ColumnExpression("*") is every column (the interval
    # among them, which then fails the import) rather than the column called `*`.
    items = [
        duckdb.SQLExpression(
            f"epoch_us({quote(name)})" if str(t) == "INTERVAL" else quote(name)
        ).alias(name)
        for name, t in zip(rel.columns, rel.types, strict=True)
    ]
    return rel.select(*items)


_DB: list[Any] = []
_DB_LOCK = threading.Lock()


def _database() -> Any:
    import duckdb

    with _DB_LOCK:
        if not _DB:
            _DB.append(duckdb.connect(":memory:"))
        return _DB[0]


def conform(frame: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    """`frame` with the polars types of `schema` (SQL widens: HUGEINT sums, DECIMAL scales)."""
    casts = []
    for name, ctype in schema.items():
        if ctype.unsupported is None and ctype.dtype != "null":
            casts.append(col(name).cast(polars_dtype(ctype.dtype)))
    return frame.with_columns(casts) if casts else frame


def execute_sqlite(plan: A.Plan, tables: Frames) -> pl.DataFrame:
    """Run `plan` in an in-memory SQLite (python's sqlite3); E310 for SQLITE_UNSUPPORTED ops.

    SQLite has no date, boolean or decimal storage: dates and datetimes are stored as ISO
    text, booleans as 0/1 and decimals as REAL, and converted back by the output schema.
    """
    checked, frames, ordinal = prepare(plan, tables)
    unsupported_ops(checked.plan, "sqlite")
    sql = sql_of(checked, "sqlite", ordinal)
    con = sqlite3.connect(":memory:")
    try:
        # LIKE is case-insensitive in SQLite unless told otherwise; p-SQL's LIKE is not.
        con.execute("PRAGMA case_sensitive_like = ON")
        for table, frame in frames.items():
            names = ", ".join(quote(c) for c in frame.columns)
            con.execute(f"CREATE TABLE {quote(table)} ({names})")
            marks = ", ".join("?" for _ in frame.columns)
            con.executemany(
                f"INSERT INTO {quote(table)} VALUES ({marks})",
                (tuple(_to_sqlite(v) for v in row) for row in frame.iter_rows()),
            )
        cursor = con.execute(sql)
        rows = cursor.fetchall()
    except sqlite3.Error as exc:
        raise failed(exc) from exc
    finally:
        con.close()
    return rows_to_frame(rows, checked.output_schema)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _to_sqlite(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def rows_to_frame(rows: Iterable[tuple[Any, ...]], schema: Schema) -> pl.DataFrame:
    """Rows of Python values (a DB-API cursor's) as a frame of `schema`'s polars types."""
    table = list(rows)
    columns = list(zip(*table, strict=True)) if table else [()] * len(schema)
    series = []
    for (name, ctype), values in zip(schema.items(), columns, strict=True):
        # Built unnamed, then named: polars converts dates and times through `pl.col(name)`,
        # which fails for a name it reads as a pattern (`^y.*$`).
        converted = [_from_value(v, ctype) for v in values]
        unnamed = pl.Series("", converted, dtype=_dtype(ctype), strict=False)
        series.append(unnamed.alias(name))
    return pl.DataFrame(series)


def _dtype(ctype: ColumnType) -> pl.DataType:
    return pl.Null() if ctype.dtype == "null" else polars_dtype(ctype.dtype)


def _from_value(value: Any, ctype: ColumnType) -> Any:
    if value is None:
        return None
    match ctype.dtype:
        case "boolean":
            return bool(value)
        case "date":
            return dt.date.fromisoformat(str(value)[:10])
        case "datetime":
            return dt.datetime.fromisoformat(str(value))
        case "decimal":
            return decimal.Decimal(str(value))
        case "float":
            return float(value)
    return value
