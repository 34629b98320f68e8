"""Top-k in the generated DuckDB SQL against DuckDB's own plan, ratios in one run.

    python -m bench.topk                # 336k rows (the issue's table), 20 rounds
    python -m bench.topk --smoke        # 10k rows, 5 rounds

`SORT price DESC` + `LIMIT 10` used to number every row (ROW_NUMBER over the whole table, a
full sort) before keeping ten; it now lowers to `ORDER BY price DESC, ordinal LIMIT 10` (a
top-k heap) and numbers only the rows kept (compiler/backends/sql/steps.py, `_top_k`). The
old shape is still what a step between SORT and LIMIT gives, so it is measured as
`SORT price DESC / SELECT ... / LIMIT 10`. All three contenders run on the same registered
frame in one DuckDB connection (the row-ordinal column is added once, outside the timing);
their answers are compared before timing.
"""

from __future__ import annotations

import argparse

import numpy as np
import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.sql.lower import to_sql
from pesql.grammar.parse import parse

from bench.common import Report, measure_interleaved, ratio

ORDINAL = "__pesql_input_row"


def table(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(7)
    return pl.DataFrame(
        {
            "id": np.arange(rows, dtype=np.int64),
            "price": rng.gamma(2.0, 50.0, rows).round(2),
            "region": rng.choice(["North", "South", "East", "West"], rows),
            "qty": rng.integers(1, 50, rows, dtype=np.int64),
        }
    )


def run(rows: int = 336_000, repeat: int = 20) -> Report:
    import duckdb

    frame = table(rows)
    schema = schema_from_polars(frame.schema)
    con = duckdb.connect(":memory:")
    con.register("t", frame.with_row_index(ORDINAL).with_columns(pl.col(ORDINAL).cast(pl.Int64)))

    def sql(text: str) -> str:
        return to_sql(parse(text), schema, "duckdb", table="t", ordinal_column=ORDINAL)

    queries = {
        "DuckDB's own plan": 'SELECT id, price, region, qty FROM t ORDER BY price DESC, "'
        + ORDINAL
        + '" LIMIT 10',
        "pesql SQL (top-k)": sql("SORT price DESC\nLIMIT 10"),
        "pesql SQL (full sort, before)": sql(
            "SORT price DESC\nSELECT id, price, region, qty\nLIMIT 10"
        ),
    }
    answers = {name: con.sql(q).fetchall() for name, q in queries.items()}
    reference = answers["DuckDB's own plan"]
    assert all(a == reference for a in answers.values()), "the contenders disagree"
    timings = measure_interleaved(
        {name: (lambda q=q: con.sql(q).fetchall()) for name, q in queries.items()},
        repeat=repeat,
        warmup=2,
    )
    base = timings["DuckDB's own plan"].p50
    report = Report(
        f"Top-10 by price over {rows:,} rows (DuckDB)", ("query", "p50 ms", "vs DuckDB's plan")
    )
    for name, timing in timings.items():
        report.add(name, round(timing.p50 * 1e3, 2), round(ratio(timing.p50, base), 2))
    report.notes.append(f"{repeat} interleaved rounds; duckdb {duckdb.__version__}")
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--rows", type=int, default=336_000)
    args = parser.parse_args(argv)
    report = run(10_000, 5) if args.smoke else run(args.rows)
    print(report.to_markdown())


if __name__ == "__main__":
    main()
