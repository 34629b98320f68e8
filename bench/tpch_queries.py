"""The TPC-H benchmark's questions, each as p-SQL, hand-written polars, DuckDB SQL and pandas."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Query:
    """One question asked four ways; the output must be totally ordered by its SORT."""

    name: str
    psql: str
    polars: Callable[[pl.LazyFrame], pl.LazyFrame]
    duckdb: str  # reads the view `lineitem`
    pandas: Callable[[Path], Any]  # -> pandas.DataFrame
    columns: tuple[str, ...]  # the lineitem columns pandas reads


def _disc_price() -> pl.Expr:
    return pl.col("l_extendedprice") * (1 - pl.col("l_discount"))


def _read_pandas(path: Path, columns: Sequence[str]) -> Any:
    import pyarrow.parquet as pq

    # date_as_object=False: datetime64 columns, which pandas compares and groups natively.
    return pq.read_table(path, columns=list(columns)).to_pandas(date_as_object=False)


def _q1_polars(lf: pl.LazyFrame) -> pl.LazyFrame:
    return (
        lf.filter(pl.col("l_shipdate") <= date(1998, 9, 2))
        .group_by("l_returnflag", "l_linestatus")
        .agg(
            sum_qty=pl.col("l_quantity").sum(),
            sum_base_price=pl.col("l_extendedprice").sum(),
            sum_disc_price=_disc_price().sum(),
            sum_charge=(_disc_price() * (1 + pl.col("l_tax"))).sum(),
            avg_qty=pl.col("l_quantity").mean(),
            avg_price=pl.col("l_extendedprice").mean(),
            avg_disc=pl.col("l_discount").mean(),
            count_order=pl.len(),
        )
        .sort("l_returnflag", "l_linestatus")
    )


Q1_COLUMNS = ("l_returnflag", "l_linestatus", "l_quantity", "l_extendedprice", "l_discount",
              "l_tax", "l_shipdate")  # fmt: skip


def _q1_pandas(path: Path) -> Any:
    df = _read_pandas(path, Q1_COLUMNS)
    df = df[df["l_shipdate"] <= np.datetime64("1998-09-02")]
    disc_price = df["l_extendedprice"] * (1 - df["l_discount"])
    df = df.assign(disc_price=disc_price, charge=disc_price * (1 + df["l_tax"]))
    out = df.groupby(["l_returnflag", "l_linestatus"], as_index=False).agg(
        sum_qty=("l_quantity", "sum"),
        sum_base_price=("l_extendedprice", "sum"),
        sum_disc_price=("disc_price", "sum"),
        sum_charge=("charge", "sum"),
        avg_qty=("l_quantity", "mean"),
        avg_price=("l_extendedprice", "mean"),
        avg_disc=("l_discount", "mean"),
        count_order=("l_quantity", "size"),
    )
    return out.sort_values(["l_returnflag", "l_linestatus"])


def _q6_polars(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.filter(
        (pl.col("l_shipdate") >= date(1994, 1, 1))
        & (pl.col("l_shipdate") < date(1995, 1, 1))
        & pl.col("l_discount").is_between(0.05, 0.07)
        & (pl.col("l_quantity") < 24)
    ).select(revenue=(pl.col("l_extendedprice") * pl.col("l_discount")).sum())


def _q6_pandas(path: Path) -> Any:
    import pandas as pd

    df = _read_pandas(path, ("l_shipdate", "l_discount", "l_quantity", "l_extendedprice"))
    keep = (
        (df["l_shipdate"] >= np.datetime64("1994-01-01"))
        & (df["l_shipdate"] < np.datetime64("1995-01-01"))
        & df["l_discount"].between(0.05, 0.07)
        & (df["l_quantity"] < 24)
    )
    df = df[keep]
    return pd.DataFrame({"revenue": [(df["l_extendedprice"] * df["l_discount"]).sum()]})


def _q12_polars(lf: pl.LazyFrame) -> pl.LazyFrame:
    return (
        lf.filter(
            pl.col("l_shipmode").is_in(["MAIL", "SHIP"])
            & (pl.col("l_commitdate") < pl.col("l_receiptdate"))
            & (pl.col("l_shipdate") < pl.col("l_commitdate"))
            & (pl.col("l_receiptdate") >= date(1994, 1, 1))
            & (pl.col("l_receiptdate") < date(1995, 1, 1))
        )
        .group_by("l_shipmode")
        .agg(late_lines=pl.len(), late_qty=pl.col("l_quantity").sum())
        .sort("l_shipmode")
    )


def _q12_pandas(path: Path) -> Any:
    cols = ("l_shipmode", "l_commitdate", "l_receiptdate", "l_shipdate", "l_quantity")
    df = _read_pandas(path, cols)
    keep = (
        df["l_shipmode"].isin(["MAIL", "SHIP"])
        & (df["l_commitdate"] < df["l_receiptdate"])
        & (df["l_shipdate"] < df["l_commitdate"])
        & (df["l_receiptdate"] >= np.datetime64("1994-01-01"))
        & (df["l_receiptdate"] < np.datetime64("1995-01-01"))
    )
    out = (
        df[keep]
        .groupby("l_shipmode", as_index=False)
        .agg(late_lines=("l_quantity", "size"), late_qty=("l_quantity", "sum"))
    )
    return out.sort_values("l_shipmode")


def _q15_polars(lf: pl.LazyFrame) -> pl.LazyFrame:
    return (
        lf.filter(
            (pl.col("l_shipdate") >= date(1996, 1, 1)) & (pl.col("l_shipdate") < date(1996, 4, 1))
        )
        .group_by("l_suppkey")
        .agg(total_revenue=_disc_price().sum())
        .sort(["total_revenue", "l_suppkey"], descending=[True, False])
        .head(10)
    )


def _q15_pandas(path: Path) -> Any:
    df = _read_pandas(path, ("l_shipdate", "l_suppkey", "l_extendedprice", "l_discount"))
    df = df[
        (df["l_shipdate"] >= np.datetime64("1996-01-01"))
        & (df["l_shipdate"] < np.datetime64("1996-04-01"))
    ]
    df = df.assign(revenue=df["l_extendedprice"] * (1 - df["l_discount"]))
    out = df.groupby("l_suppkey", as_index=False).agg(total_revenue=("revenue", "sum"))
    out = out.sort_values(["total_revenue", "l_suppkey"], ascending=[False, True])
    return out.head(10)


def _q18_polars(lf: pl.LazyFrame) -> pl.LazyFrame:
    return (
        lf.group_by("l_orderkey")
        .agg(sum_qty=pl.col("l_quantity").sum())
        .filter(pl.col("sum_qty") > 300)
        .sort("l_orderkey")
    )


def _q18_pandas(path: Path) -> Any:
    df = _read_pandas(path, ("l_orderkey", "l_quantity"))
    out = df.groupby("l_orderkey", as_index=False).agg(sum_qty=("l_quantity", "sum"))
    return out[out["sum_qty"] > 300].sort_values("l_orderkey")


def _delay() -> pl.Expr:
    return (pl.col("l_receiptdate") - pl.col("l_commitdate")).dt.total_days()


def _delay_month_polars(lf: pl.LazyFrame) -> pl.LazyFrame:
    return (
        lf.with_columns(delay=_delay(), month=pl.col("l_shipdate").dt.truncate("1mo"))
        .group_by("l_shipmode", "month")
        .agg(
            flights=pl.len(),
            avg_delay=pl.col("delay").mean(),
            late=(pl.col("delay") > 0).sum(),
            worst=pl.col("delay").max(),
        )
        .sort("l_shipmode", "month")
    )


def _pandas_delay(df: Any) -> Any:
    return (df["l_receiptdate"] - df["l_commitdate"]).dt.days


def _delay_month_pandas(path: Path) -> Any:
    df = _read_pandas(path, ("l_shipmode", "l_shipdate", "l_commitdate", "l_receiptdate"))
    delay = _pandas_delay(df)
    df = df.assign(
        delay=delay,
        late=delay > 0,
        month=df["l_shipdate"].values.astype("datetime64[M]"),
    )
    out = df.groupby(["l_shipmode", "month"], as_index=False).agg(
        flights=("delay", "size"),
        avg_delay=("delay", "mean"),
        late=("late", "sum"),
        worst=("delay", "max"),
    )
    return out.sort_values(["l_shipmode", "month"])


def _delay_carrier_polars(lf: pl.LazyFrame) -> pl.LazyFrame:
    return (
        lf.with_columns(delay=_delay())
        .group_by("l_shipmode", "l_shipinstruct")
        .agg(
            flights=pl.len(),
            median_delay=pl.col("delay").median(),
            late=(pl.col("delay") > 0).sum(),
            avg_late_delay=pl.col("delay").filter(pl.col("delay") > 0).mean(),
        )
        .sort("l_shipmode", "l_shipinstruct")
    )


def _delay_carrier_pandas(path: Path) -> Any:
    df = _read_pandas(path, ("l_shipmode", "l_shipinstruct", "l_commitdate", "l_receiptdate"))
    delay = _pandas_delay(df)
    df = df.assign(delay=delay, late=delay > 0, late_delay=delay.where(delay > 0))
    out = df.groupby(["l_shipmode", "l_shipinstruct"], as_index=False).agg(
        flights=("delay", "size"),
        median_delay=("delay", "median"),
        late=("late", "sum"),
        avg_late_delay=("late_delay", "mean"),
    )
    return out.sort_values(["l_shipmode", "l_shipinstruct"])


QUERIES: tuple[Query, ...] = (
    Query(
        "Q1 pricing summary",
        "FILTER l_shipdate <= DATE '1998-09-02'\n"
        "GROUP_BY l_returnflag, l_linestatus COMPUTE sum_qty = SUM(l_quantity), "
        "sum_base_price = SUM(l_extendedprice), "
        "sum_disc_price = SUM(l_extendedprice * (1 - l_discount)), "
        "sum_charge = SUM(l_extendedprice * (1 - l_discount) * (1 + l_tax)), "
        "avg_qty = AVG(l_quantity), avg_price = AVG(l_extendedprice), "
        "avg_disc = AVG(l_discount), count_order = COUNT(*)\n"
        "SORT l_returnflag, l_linestatus",
        _q1_polars,
        "SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, "
        "sum(l_extendedprice) AS sum_base_price, "
        "sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, "
        "sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, "
        "avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, "
        "avg(l_discount) AS avg_disc, count(*) AS count_order FROM lineitem "
        "WHERE l_shipdate <= DATE '1998-09-02' GROUP BY l_returnflag, l_linestatus "
        "ORDER BY l_returnflag, l_linestatus",
        _q1_pandas,
        Q1_COLUMNS,
    ),
    Query(
        "Q6 revenue change",
        "FILTER l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01' "
        "AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24\n"
        "AGGREGATE revenue = SUM(l_extendedprice * l_discount)",
        _q6_polars,
        "SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem "
        "WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01' "
        "AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24",
        _q6_pandas,
        ("l_shipdate", "l_discount", "l_quantity", "l_extendedprice"),
    ),
    Query(
        "Q12 late lines (lineitem part)",
        "FILTER l_shipmode IN ('MAIL', 'SHIP') AND l_commitdate < l_receiptdate "
        "AND l_shipdate < l_commitdate AND l_receiptdate >= DATE '1994-01-01' "
        "AND l_receiptdate < DATE '1995-01-01'\n"
        "GROUP_BY l_shipmode COMPUTE late_lines = COUNT(*), late_qty = SUM(l_quantity)\n"
        "SORT l_shipmode",
        _q12_polars,
        "SELECT l_shipmode, count(*) AS late_lines, sum(l_quantity) AS late_qty FROM lineitem "
        "WHERE l_shipmode IN ('MAIL', 'SHIP') AND l_commitdate < l_receiptdate "
        "AND l_shipdate < l_commitdate AND l_receiptdate >= DATE '1994-01-01' "
        "AND l_receiptdate < DATE '1995-01-01' GROUP BY l_shipmode ORDER BY l_shipmode",
        _q12_pandas,
        ("l_shipmode", "l_commitdate", "l_receiptdate", "l_shipdate", "l_quantity"),
    ),
    Query(
        "Q15 top suppliers (revenue view)",
        "FILTER l_shipdate >= DATE '1996-01-01' AND l_shipdate < DATE '1996-04-01'\n"
        "GROUP_BY l_suppkey COMPUTE total_revenue = SUM(l_extendedprice * (1 - l_discount))\n"
        "SORT total_revenue DESC, l_suppkey\nLIMIT 10",
        _q15_polars,
        "SELECT l_suppkey, sum(l_extendedprice * (1 - l_discount)) AS total_revenue "
        "FROM lineitem WHERE l_shipdate >= DATE '1996-01-01' AND l_shipdate < DATE '1996-04-01' "
        "GROUP BY l_suppkey ORDER BY total_revenue DESC, l_suppkey LIMIT 10",
        _q15_pandas,
        ("l_shipdate", "l_suppkey", "l_extendedprice", "l_discount"),
    ),
    Query(
        "Q18 large orders (subquery)",
        "GROUP_BY l_orderkey COMPUTE sum_qty = SUM(l_quantity)\n"
        "FILTER sum_qty > 300\nSORT l_orderkey",
        _q18_polars,
        "SELECT l_orderkey, sum(l_quantity) AS sum_qty FROM lineitem GROUP BY l_orderkey "
        "HAVING sum(l_quantity) > 300 ORDER BY l_orderkey",
        _q18_pandas,
        ("l_orderkey", "l_quantity"),
    ),
    Query(
        "delays by mode and month",
        "DERIVE delay = DATE_DIFF('day', l_commitdate, l_receiptdate), "
        "month = DATE_TRUNC('month', l_shipdate)\n"
        "GROUP_BY l_shipmode, month COMPUTE flights = COUNT(*), avg_delay = AVG(delay), "
        "late = COUNT_IF(delay > 0), worst = MAX(delay)\n"
        "SORT l_shipmode, month",
        _delay_month_polars,
        "SELECT l_shipmode, date_trunc('month', l_shipdate) AS month, count(*) AS flights, "
        "avg(l_receiptdate - l_commitdate) AS avg_delay, "
        "count_if(l_receiptdate - l_commitdate > 0) AS late, "
        "max(l_receiptdate - l_commitdate) AS worst FROM lineitem "
        "GROUP BY l_shipmode, month ORDER BY l_shipmode, month",
        _delay_month_pandas,
        ("l_shipmode", "l_shipdate", "l_commitdate", "l_receiptdate"),
    ),
    Query(
        "delays by carrier (median)",
        "DERIVE delay = DATE_DIFF('day', l_commitdate, l_receiptdate)\n"
        "GROUP_BY l_shipmode, l_shipinstruct COMPUTE flights = COUNT(*), "
        "median_delay = MEDIAN(delay), late = COUNT_IF(delay > 0), "
        "avg_late_delay = AVG(delay, where => delay > 0)\n"
        "SORT l_shipmode, l_shipinstruct",
        _delay_carrier_polars,
        "SELECT l_shipmode, l_shipinstruct, count(*) AS flights, "
        "median(l_receiptdate - l_commitdate) AS median_delay, "
        "count_if(l_receiptdate - l_commitdate > 0) AS late, "
        "avg(l_receiptdate - l_commitdate) FILTER (WHERE l_receiptdate - l_commitdate > 0) "
        "AS avg_late_delay FROM lineitem GROUP BY l_shipmode, l_shipinstruct "
        "ORDER BY l_shipmode, l_shipinstruct",
        _delay_carrier_pandas,
        ("l_shipmode", "l_shipinstruct", "l_commitdate", "l_receiptdate"),
    ),
)
