"""The PostgreSQL and Spark engines: loading, types, errors, tables already there."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.parse import parse
from pesql.runtime.cli.main import run_cli
from pesql.runtime.engine.engines import Engine, run_on
from pesql.runtime.engine.execute import compile
from pesql.runtime.engine.limits import Limits
from pesql.runtime.engine.postgres import connect, execute_postgres, run_postgres
from pesql.runtime.engine.spark import execute_spark, run_spark

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


def test_postgres_reads_a_table_that_lives_there_without_copying(postgres_conn: Any) -> None:
    with postgres_conn.transaction(), postgres_conn.cursor() as cur:
        cur.execute('CREATE SCHEMA IF NOT EXISTS shop; DROP TABLE IF EXISTS shop."sales"')
        cur.execute(
            "CREATE TABLE shop.sales (id INT, region TEXT, price NUMERIC(10, 2), at TIMESTAMPTZ)"
        )
        cur.execute(
            "INSERT INTO shop.sales VALUES (1, 'West', 12.00, now()), (2, 'East', 9.50, now()),"
            " (3, 'West', 20.00, now())"
        )
    plan = parse("GROUP_BY region COMPUTE total = SUM(price), n = COUNT()\nSORT total DESC")
    out = run_postgres(postgres_conn, plan, "shop.sales", ordinal_column="id")
    assert out.rows() == [("West", decimal.Decimal("32"), 2), ("East", decimal.Decimal("9.5"), 1)]
    assert out.schema["n"] == pl.Int64


def test_postgres_table_of_an_unknown_type_reports_it_when_used(postgres_conn: Any) -> None:
    with postgres_conn.transaction(), postgres_conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS tagged; CREATE TABLE tagged (id INT, tags TEXT[])")
    assert run_postgres(postgres_conn, parse("SELECT id"), "tagged").height == 0
    with pytest.raises(PesqlError) as info:
        run_postgres(postgres_conn, parse("DERIVE n = LENGTH(tags)"), "tagged")
    assert "E217" in info.value.codes


def test_postgres_errors_are_diagnostics(postgres_conn: Any) -> None:
    with pytest.raises(PesqlError) as info:
        execute_postgres(parse("DERIVE n = CAST(s, 'integer')"), {"t": FRAME}, postgres_conn)
    assert info.value.codes == ("E305",)
    # The failed transaction was rolled back: the connection still works.
    out = execute_postgres(parse("AGGREGATE n = COUNT()"), {"t": FRAME}, postgres_conn)
    assert out.rows() == [(4,)]
    with pytest.raises(PesqlError) as info:
        run_postgres(postgres_conn, parse("SELECT a"), "no_such_table")
    assert info.value.codes == ("E305",)


def test_postgres_connection_failure_is_a_diagnostic() -> None:
    with pytest.raises(PesqlError) as info:
        connect("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert info.value.codes == ("E305",) and "cannot connect" in str(info.value)


def test_spark_reads_a_view_it_knows_without_copying(spark: Any) -> None:
    spark.createDataFrame(
        [(1, "West", 12.0), (2, "East", 9.5), (3, "West", 20.0)],
        "id long, region string, price double",
    ).createOrReplaceTempView("sales")
    plan = parse("GROUP_BY region COMPUTE total = SUM(price)\nSORT total DESC")
    out = run_spark(plan, "sales", session=spark, ordinal_column="id")
    assert out.rows() == [("West", 32.0), ("East", 9.5)]


def test_spark_errors_are_diagnostics(spark: Any) -> None:
    with pytest.raises(PesqlError) as info:
        execute_spark(parse("DERIVE n = CAST(s, 'integer')"), {"t": FRAME}, spark)
    assert info.value.codes == ("E305",)
    with pytest.raises(PesqlError) as info:
        run_spark(parse("SELECT a"), "no_such_table", session=spark)
    assert info.value.codes == ("E305",)


@pytest.mark.parametrize("engine", ["polars", "duckdb", "sqlite", "postgres", "spark"])
def test_run_on_gives_the_same_result_shape_on_every_engine(
    engine: Engine, postgres_dsn: str, spark: Any
) -> None:
    frame = pl.DataFrame({"k": ["a", "b", "a", "c"], "v": [1.5, 2.0, 3.0, None]})
    compiled = compile(
        "GROUP_BY k COMPUTE s = SUM(v)\nSORT s DESC", schema_from_polars(frame.schema)
    )
    result = run_on(compiled, frame, engine, limits=Limits(max_rows=2), dsn=postgres_dsn)
    assert result.frame.rows() == [("a", 4.5), ("b", 2.0)]
    assert result.truncated and [n.code for n in result.notes] == ["E304"]
    assert result.elapsed_s > 0


ROOT = Path(__file__).resolve().parents[3]
PENGUINS = f"penguins={ROOT / 'examples/tables/penguins.csv'}"
PLAN = str(ROOT / "examples/plans/penguins_gap.psql")


def test_cli_runs_on_postgres_and_spark_with_polars_answers(
    postgres_dsn: str, spark: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["run", PLAN, "--table", PENGUINS, "-f", "csv"]) == 0
    polars_out = capsys.readouterr().out
    args = ["run", PLAN, "--table", PENGUINS, "-f", "csv"]
    assert run_cli([*args, "--engine", "postgres", "--dsn", postgres_dsn]) == 0
    assert capsys.readouterr().out == polars_out
    assert run_cli([*args, "--engine", "spark"]) == 0
    assert capsys.readouterr().out == polars_out


def test_cli_postgres_needs_a_dsn(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["run", PLAN, "--table", PENGUINS, "--engine", "postgres"]) == 2
    assert "--dsn" in capsys.readouterr().err


def _flights_examples() -> tuple[Any, list[Any]]:
    from pesql.runtime.evals.datasets.load import load_dataset

    root = Path(__file__).resolve().parents[3]
    dataset = load_dataset(root / "examples" / "datasets" / "flights-qa")
    return dataset, [e for e in dataset.examples if len(e.tables) > 1]


def _joins_agree(run: Any, examples: list[Any], dataset: Any) -> int:
    """Each gold plan with a JOIN or LOOKUP gives polars' answer on the engine (or E310)."""
    from pesql.runtime.engine.compare import frames_equal

    compared = 0
    for example in examples:
        frames = {t: dataset.catalog.get(t).frame.collect() for t in example.tables}
        schemas = {t: schema_from_polars(f.schema) for t, f in frames.items()}
        expected = compile(example.plan, schemas).collect(frames).frame
        try:
            got = run(example.plan, frames)
        except PesqlError as exc:
            assert exc.codes == ("E310",), (example.id, exc)
            continue
        same, why = frames_equal(expected, got, ordered=True, rel_tol=1e-9)
        assert same, (example.id, why)
        compared += 1
    return compared


def test_flights_joins_run_on_postgres(postgres_conn: Any) -> None:
    """JOIN and LOOKUP on PostgreSQL: every joined table is copied in beside the source."""
    dataset, examples = _flights_examples()
    assert len(examples) >= 60
    compared = _joins_agree(
        lambda plan, frames: execute_postgres(plan, frames, postgres_conn), examples, dataset
    )
    assert compared >= 50


def test_flights_joins_run_on_spark(spark: Any) -> None:
    """JOIN and LOOKUP on Spark (a sample: Spark runs ~1 s per query here)."""
    dataset, examples = _flights_examples()
    sample = examples[::10]
    compared = _joins_agree(
        lambda plan, frames: execute_spark(plan, frames, spark), sample, dataset
    )
    assert compared >= len(sample) - 2
