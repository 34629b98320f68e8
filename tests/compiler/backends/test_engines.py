"""The PostgreSQL and Spark engines: loading, types, errors, tables already there."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import polars as pl
from pesql.grammar.parse import parse
from pesql.runtime.engine.postgres import execute_postgres
from pesql.runtime.engine.spark import execute_spark

FRAME = pl.DataFrame(
    {
        "a": [3, 1, None, 2],
        "f": [1.5, None, -2.25, 0.1],
        "s": ["x", "é 数量", None, "it's"],
        "b": [True, False, None, True],
        "d": [dt.date(2024, 1, 1), None, dt.date(1900, 2, 28), dt.date(2100, 12, 31)],
        "ts": [dt.datetime(2024, 1, 1, 3, 4, 5, 6), None, dt.datetime(1999, 12, 31), None],
        "unit price": [decimal.Decimal("1.5"), None, decimal.Decimal("-2"), None],
    }
).with_columns(pl.col("unit price").cast(pl.Decimal(38, 9)))


def test_postgres_round_trips_every_type(postgres_conn: Any) -> None:
    out = execute_postgres(parse("FILTER TRUE"), {"t": FRAME}, postgres_conn)
    assert out.schema == FRAME.schema
    assert out.rows() == FRAME.rows()


def test_spark_round_trips_every_type(spark: Any) -> None:
    out = execute_spark(parse("FILTER TRUE"), {"t": FRAME}, spark)
    assert out.schema == FRAME.schema
    assert out.rows() == FRAME.rows()
