"""SORT then LIMIT lowers to a top-k (`ORDER BY ... LIMIT n`), numbering only the kept rows."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.backends.sql.lower import to_sql
from pesql.compiler.check.schema import Schema
from pesql.grammar.parse import parse

from bench import topk
from tests.compiler.backends.test_differential import assert_same

SCHEMA = Schema.of({"k": "integer", "s": "string"})


def test_sort_then_limit_is_one_top_k_query() -> None:
    sql = to_sql(parse("SORT k DESC\nLIMIT 3 OFFSET 1"), SCHEMA, pretty=False)
    assert 'ORDER BY "k" DESC, "pesql_0"."__pesql_row" LIMIT 3 OFFSET 1' in sql
    # The rows kept are numbered, not the table: ROW_NUMBER reads the top-k CTE.
    assert 'ROW_NUMBER() OVER (ORDER BY "k" DESC, "pesql_1"."__pesql_row")' in sql
    assert sql.count("ROW_NUMBER()") == 2  # the source's and the kept rows'


def test_a_step_between_keeps_the_full_renumbering() -> None:
    sql = to_sql(parse("SORT k\nFILTER k > 0\nLIMIT 3"), SCHEMA, pretty=False)
    assert 'ROW_NUMBER() OVER (ORDER BY "k" ASC, "pesql_0"."__pesql_row")' in sql
    with_ties = to_sql(parse("SORT k\nLIMIT 3 WITH TIES"), SCHEMA, pretty=False)
    assert "RANK()" in with_ties


@given(
    st.lists(st.tuples(st.integers(0, 3) | st.none(), st.sampled_from("abc")), max_size=30),
    st.integers(0, 5),
    st.integers(0, 3),
    st.booleans(),
    st.booleans(),
)
def test_top_k_keeps_stable_ties_like_polars(
    rows: list[tuple[int | None, str]], count: int, offset: int, desc: bool, nulls_last: bool
) -> None:
    frame = pl.DataFrame(rows, schema={"k": pl.Int64, "s": pl.String}, orient="row")
    order = f"SORT k{' DESC' if desc else ''}{'' if nulls_last else ' NULLS FIRST'}"
    assert_same(parse(f"{order}\nLIMIT {count} OFFSET {offset}\nDERIVE n = 1"), frame)
    assert_same(parse(f"{order}, s DESC\nLIMIT {count}"), frame)


def test_bench_topk_smoke() -> None:
    report = topk.run(rows=2_000, repeat=2)
    assert report.column("query") == [
        "DuckDB's own plan",
        "pesql SQL (top-k)",
        "pesql SQL (full sort, before)",
    ]
    assert all(isinstance(v, float) and v > 0 for v in report.column("p50 ms"))
