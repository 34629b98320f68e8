"""The SQL backend: every operation has a lowering in every dialect (or a declared E310),
the emitted SQL parses back in its dialect with the same null ordering, and the row
ordinal, quoting and type compensations are where docs/sql.md says they are."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlglot
from hypothesis import given, settings
from pesql.compiler.backends.sql.lower import DIALECTS, UNSUPPORTED, Dialect, to_sql, to_sqlglot
from pesql.compiler.backends.sql.text import sql_replacement
from pesql.compiler.check.schema import Schema
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import CODES, PesqlError
from pesql.grammar.parse import parse
from pesql.grammar.registry import OpSpec, all_ops
from pesql.runtime.engine.sql import execute_duckdb, execute_sqlite
from sqlglot import exp

from tests.compiler.backends.test_differential import OP_SCHEMA, op_plans

SCHEMA = Schema.of({"a": "integer", "b": "float", "s": "string", "d": "date", "ok": "boolean"})


def sql_of(text: str, dialect: Dialect = "duckdb", schema: Schema = SCHEMA) -> str:
    return to_sql(parse(text), schema, dialect, pretty=False)


@pytest.mark.parametrize("spec", list(all_ops()), ids=lambda s: s.name)
def test_every_operation_lowers_in_every_dialect_or_is_declared(spec: OpSpec) -> None:
    if spec.category == "step":
        plans = [p for p in STEP_PLANS if p.steps[-1].op_name == spec.name]
        assert plans, f"no example plan for step {spec.name}"
        for plan in plans:
            for dialect in DIALECTS:
                sql = to_sql(plan, SCHEMA, dialect, tables=JOINED)
                sqlglot.parse_one(sql, read=dialect)
        return

    @settings(max_examples=2)
    @given(op_plans(spec))
    def run(plan: A.Plan) -> None:
        for dialect in DIALECTS:
            try:
                sql = to_sql(plan, OP_SCHEMA, dialect)
            except PesqlError as exc:
                assert exc.codes and set(exc.codes) == {"E310"}, exc
                continue
            assert spec.name not in UNSUPPORTED[dialect], f"{spec.name} declared unsupported"
            # The text is valid in its own dialect.
            sqlglot.parse_one(sql, read=dialect)

    run()


STEP_PLANS = [
    parse(text)
    for text in [
        "FILTER a > 1 AND s LIKE 'x%'",
        "SELECT a, s AS name",
        "DROP b",
        "DERIVE c = a * 2, e = c + 1",
        "GROUP_BY s COMPUTE n = COUNT(*), total = SUM(a)",
        "AGGREGATE n = COUNT(*), m = MAX(d)",
        "SORT b DESC NULLS FIRST, s",
        "LIMIT 3 OFFSET 1",
        "SORT a\nLIMIT 2 WITH TIES",
        "DISTINCT s, ok",
        "WINDOW r = ROW_NUMBER(), t = SUM(a) PARTITION BY s ORDER BY b DESC",
        "JOIN other ON a = id, s = s",
        "JOIN LEFT other ON a = id",
        "JOIN SEMI other ON s = s",
        "JOIN ANTI other ON a = id",
        "LOOKUP other ON a = id",
    ]
]
# The table JOIN and LOOKUP read in STEP_PLANS.
JOINED = {"other": Schema.of({"id": "integer", "s": "string", "v": "float"})}


def test_unsupported_operations_are_named_all_at_once() -> None:
    plan = parse("DERIVE x = REGEXP_MATCH(s, 'a'), y = YEAR(d), z = REGEXP_MATCH(s, 'b')")
    with pytest.raises(PesqlError) as info:
        to_sql(plan, SCHEMA, "sqlite")
    assert info.value.codes == ("E310", "E310")
    messages = [d.message for d in info.value.diagnostics]
    assert messages == [
        "`REGEXP_MATCH` cannot be expressed in SQL dialect sqlite",
        "`YEAR` cannot be expressed in SQL dialect sqlite",
    ]
    assert "E310" in CODES


def test_unknown_dialect_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown dialect 'mysql'"):
        to_sql(parse("FILTER a > 1"), SCHEMA, "mysql")  # type: ignore[arg-type]


def test_to_sqlglot_returns_a_select_with_one_cte_per_step() -> None:
    tree = to_sqlglot(parse("FILTER a > 1\nSORT a\nSELECT a"), SCHEMA)
    assert isinstance(tree, exp.Select)
    ctes = [c.alias for c in tree.args["with_"].expressions]
    assert ctes == ["pesql_0", "pesql_1", "pesql_2", "pesql_3"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_null_ordering_survives_every_dialect(dialect: Dialect) -> None:
    # sqlglot spells NULLS FIRST/LAST where the dialect's default differs; reading the text
    # back in the same dialect must give the ordering p-SQL asked for.
    sql = sql_of("SORT a, b DESC, s NULLS FIRST, d DESC NULLS FIRST", dialect)
    back = sqlglot.parse_one(sql, read=dialect)
    window = next(w for w in back.find_all(exp.Window) if w.args.get("order"))
    keys = window.args["order"].expressions
    got = [
        (k.this.name, bool(k.args.get("desc")), bool(k.args.get("nulls_first"))) for k in keys[:4]
    ]
    assert got == [("a", False, False), ("b", True, False), ("s", False, True), ("d", True, True)]


def test_division_is_true_division_with_null_on_zero() -> None:
    assert 'CAST("a" AS DOUBLE) / NULLIF(CAST("a" AS DOUBLE), 0)' in sql_of("DERIVE q = a / a")


def test_modulo_by_zero_is_null() -> None:
    assert '"a" % NULLIF(2, 0)' in sql_of("DERIVE m = a % 2")


def test_sum_of_integers_stays_bigint() -> None:
    assert 'CAST(SUM("a") AS BIGINT)' in sql_of("AGGREGATE t = SUM(a)")


def test_concat_reads_nulls_as_empty_text() -> None:
    assert "COALESCE(\"s\", '')" in sql_of("DERIVE c = CONCAT(s, a)")


def test_float_literals_are_doubles_not_decimals() -> None:
    assert "CAST(0.1 AS DOUBLE)" in sql_of("DERIVE x = b + 0.1")


def test_odd_names_are_quoted_in_every_dialect() -> None:
    schema = Schema.of({"unit price": "float", "select": "integer", "数量": "integer"})
    plan = parse("DERIVE `total €` = `unit price` * 数量\nSORT `select`")
    for dialect in DIALECTS:
        sqlglot.parse_one(to_sql(plan, schema, dialect), read=dialect)
    assert '"total €"' in to_sql(plan, schema, "postgres")


def test_ordinal_column_name_avoids_user_columns() -> None:
    schema = Schema.of({"__pesql_row": "integer"})
    sql = to_sql(parse("SORT __pesql_row"), schema, pretty=False)
    assert '"___pesql_row"' in sql
    frame = pl.DataFrame({"__pesql_row": [3, 1, 2]})
    assert execute_duckdb(parse("SORT __pesql_row"), {"t": frame})["__pesql_row"].to_list() == [
        1,
        2,
        3,
    ]


def test_source_table_name_and_ordinal_column() -> None:
    sql = to_sql(
        parse("FILTER a > 1"), SCHEMA, table="db.sales", ordinal_column="rownum", pretty=False
    )
    assert 'FROM "db"."sales"' in sql
    assert '"rownum" AS "__pesql_row"' in sql
    assert "ROW_NUMBER() OVER ()" in sql_of("FILTER a > 1")


def test_regexp_replacement_syntax_is_translated() -> None:
    assert sql_replacement("$1-${2}$$\\") == "\\1-\\2$\\\\"


FRAME = pl.DataFrame(
    {
        "k": ["b", "a", "b", None, "a", "b"],
        "v": [3, 1, 3, 5, None, 2],
        "x": [0.5, -2.5, 2.5, None, 1.0, 0.0],
    }
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Stable sort: ties keep input order; nulls last by default.
        ("SORT v\nSELECT k, v", [("a", 1), ("b", 2), ("b", 3), ("b", 3), (None, 5), ("a", None)]),
        # Groups in order of first appearance (null is a group).
        ("GROUP_BY k COMPUTE n = COUNT(*)", [("b", 3), ("a", 2), (None, 1)]),
        # DISTINCT keeps the first occurrence, in place.
        ("DISTINCT k", [("b",), ("a",), (None,)]),
        # WITH TIES keeps every row tied with the last one kept.
        ("SORT v DESC\nLIMIT 2 WITH TIES\nSELECT v", [(5,), (3,), (3,)]),
        # A SELECT that renames the sort key keeps the order under the new name (issue 15).
        ("SORT v DESC\nSELECT k, v AS w\nLIMIT 2 WITH TIES\nSELECT w", [(5,), (3,), (3,)]),
        # ROUND halves away from zero; division by zero is null.
        (
            "DERIVE r = ROUND(x), q = v / x\nSELECT r, q",
            [(1.0, 6.0), (-3.0, -0.4), (3.0, 1.2), (None, None), (1.0, None), (0.0, None)],
        ),
        # SUM of only nulls is null; AGGREGATE of nothing is one row.
        ("FILTER v IS NULL\nAGGREGATE s = SUM(v), n = COUNT(*)", [(None, 1)]),
        ("FILTER FALSE\nAGGREGATE s = SUM(v), n = COUNT(*)", [(None, 0)]),
        # LAG without ORDER BY follows row order; FIRST is the first non-null in row order.
        (
            "WINDOW p = LAG(v), f = FIRST(v) PARTITION BY k\nSELECT p, f",
            [(None, 3), (None, 1), (3, 3), (None, 5), (1, 1), (3, 3)],
        ),
    ],
)
def test_documented_semantics_in_duckdb(text: str, expected: list[tuple[object, ...]]) -> None:
    assert execute_duckdb(parse(text), {"t": FRAME}).rows() == expected


def test_sqlite_runs_what_it_supports_and_refuses_the_rest() -> None:
    out = execute_sqlite(parse("SORT v DESC\nLIMIT 2 WITH TIES\nSELECT k, v"), {"t": FRAME})
    assert out.rows() == [(None, 5), ("b", 3), ("b", 3)]
    with pytest.raises(PesqlError) as info:
        execute_sqlite(parse("DERIVE y = REGEXP_MATCH(k, 'a')"), {"t": FRAME})
    assert info.value.codes == ("E310",)


def test_duckdb_result_has_pesql_types() -> None:
    out = execute_duckdb(parse("GROUP_BY k COMPUTE t = SUM(v), m = AVG(v)"), {"t": FRAME})
    assert out.schema == pl.Schema({"k": pl.String(), "t": pl.Int64(), "m": pl.Float64()})


def test_execution_errors_become_e305() -> None:
    frame = pl.DataFrame({"s": ["1", "x"]})
    with pytest.raises(PesqlError) as info:
        execute_duckdb(parse("DERIVE n = CAST(s, 'integer')"), {"t": frame})
    assert info.value.codes == ("E305",)


def test_sqlite_float_modulo_keeps_the_fraction() -> None:
    # SQLite's % casts to INTEGER; the SQL computes fmod instead (found by review, not fuzz).
    frame = pl.DataFrame({"x": [7.5, -7.5, 7.5, 1.0], "y": [2.0, 2.0, -2.0, 0.0]})
    plan = parse("DERIVE m = x % y\nSELECT m")
    assert execute_sqlite(plan, {"t": frame})["m"].to_list() == [1.5, -1.5, 1.5, None]


def test_window_aggregates_a_dialect_cannot_window_are_refused() -> None:
    # Found by the SQLite differential fuzz run: COUNT(DISTINCT) OVER is not SQLite.
    frame = pl.DataFrame({"k": ["a", "b"], "v": [1, 1]})
    with pytest.raises(PesqlError) as info:
        execute_sqlite(parse("WINDOW n = COUNT_DISTINCT(v) PARTITION BY k"), {"t": frame})
    assert [d.message for d in info.value.diagnostics] == [
        "`COUNT_DISTINCT inside WINDOW` cannot be expressed in SQL dialect sqlite"
    ]
    assert execute_duckdb(parse("WINDOW n = COUNT_DISTINCT(v)"), {"t": frame})["n"].to_list() == [
        1,
        1,
    ]


def test_sqlite_concat_without_the_concat_function() -> None:
    # Found by the SQLite differential run: python's sqlite3 may predate CONCAT (3.44).
    frame = pl.DataFrame({"s": ["a", None], "n": [1, 2]})
    out = execute_sqlite(parse("DERIVE c = CONCAT(s, '-', n)\nSELECT c"), {"t": frame})
    assert out["c"].to_list() == ["a-1", "-2"]


PARSE_FRAME = pl.DataFrame(
    {
        "n": ["1,234.5", "$12", "45%", "12[3]", "(7)", "−3", "€ 1 000", "1,5", "12 kg", None],
        "t": ["1:02:03", "75:30", " 0:01.5 ", "1:60:00", "x", "0:00.0000005", "2:3", "", None, "9"],
        "d": ["2024-01-05", "2024-1-5", "2024-02-30", "x", None, " 2024-03-01 ", "", "1", "2", "3"],
    }
)


def test_parse_functions_in_duckdb() -> None:
    plan = parse(
        "DERIVE x = PARSE_NUMBER(n), s = TOTAL_SECONDS(PARSE_DURATION(t)), day = PARSE_DATE(d)"
        "\nSELECT x, s, day"
    )
    out = execute_duckdb(plan, {"t": PARSE_FRAME})
    assert out["x"].to_list() == [1234.5, 12.0, 45.0, 12.0, -7.0, -3.0, 1000.0, None, None, None]
    # Half a microsecond rounds to even (0), as polars does.
    assert out["s"].to_list() == [3723.0, 4530.0, 1.5, None, None, 0.0, None, None, None, None]
    days = [str(v) if v else None for v in out["day"].to_list()]
    assert days == [
        "2024-01-05",
        "2024-01-05",
        None,
        None,
        None,
        "2024-03-01",
        None,
        None,
        None,
        None,
    ]
    assert out.schema["day"] == pl.Date()


def test_parse_date_formats_duckdb_reads_differently_are_refused() -> None:
    frame = pl.DataFrame({"d": ["05/01/24"]})
    ok = execute_duckdb(parse("DERIVE x = PARSE_DATE(d, format => '%d/%m/%Y')"), {"t": frame})
    assert ok["x"].to_list() == [dt.date(24, 1, 5)]  # %Y reads "24" as the year 24, as polars
    for fmt in ["%d/%m/%y", "%Y%m%d", "%d %b %Y", "%B/%d/%Y", "%Y-%m"]:
        with pytest.raises(PesqlError) as info:
            execute_duckdb(parse(f"DERIVE x = PARSE_DATE(d, format => '{fmt}')"), {"t": frame})
        assert info.value.codes == ("E310",)


PARSE_OPS = {"PARSE_NUMBER", "PARSE_DATE", "PARSE_DURATION", "TOTAL_SECONDS"}
# Lowered where they were differentially tested against polars (test_parse_engines.py).
PARSE_LOWERED = ("duckdb", "postgres", "spark")


@pytest.mark.parametrize("dialect", [d for d in DIALECTS if d not in PARSE_LOWERED])
def test_parse_functions_are_declared_unsupported_elsewhere(dialect: Dialect) -> None:
    assert UNSUPPORTED[dialect] >= PARSE_OPS


@pytest.mark.parametrize("dialect", PARSE_LOWERED)
def test_parse_functions_lower_where_tested(dialect: Dialect) -> None:
    assert not PARSE_OPS & UNSUPPORTED[dialect]


def test_spark_numbers_rows_with_an_ordered_window() -> None:
    # Spark refuses ROW_NUMBER() OVER () ("row_number requires the window to be ordered").
    sql = sql_of("FILTER a > 1", "spark")
    assert "ROW_NUMBER() OVER ()" not in sql
    assert "ROW_NUMBER() OVER (ORDER BY MONOTONICALLY_INCREASING_ID()" in sql
    sqlglot.parse_one(sql, read="spark")  # and it reads back as Spark SQL
    pinned = to_sql(parse("FILTER a > 1"), SCHEMA, "spark", ordinal_column="rownum", pretty=False)
    assert "MONOTONICALLY_INCREASING_ID" not in pinned
    assert "`rownum` AS `__pesql_row`" in pinned
