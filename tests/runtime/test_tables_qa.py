"""The tables-qa dataset: every gold plan reproduces its DuckDB-computed answer.

examples/datasets/tables-qa holds curated questions over public tables, each with a gold
p-SQL plan, the expected result and the independent DuckDB query that computed it
(examples/datasets/build_tables_qa.py). Here every gold plan is run by pesql and graded with
the dataset framework's comparison; every reference query is re-run in DuckDB (so an edited
table or query cannot leave a stale answer behind); and the plans together must use every
registered operation. Known engine bugs are strict xfails, described in
tests/runtime/tables_qa_discrepancies.md.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.registry import all_ops
from pesql.runtime.evals.answers import answer_of
from pesql.runtime.evals.datasets.load import Dataset, Example, load_dataset
from pesql.runtime.evals.datasets.run import grade, run_plan
from pesql.runtime.evals.datasets.validate import coverage, validate_dataset

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "examples" / "datasets" / "tables-qa"

# id -> why pesql disagrees with the documented semantics (tables_qa_discrepancies.md).
KNOWN_BUGS: dict[str, str] = {}

_DATASET = load_dataset(DATASET)
_EXAMPLES = {example.id: example for example in _DATASET.examples}


def _param(example_id: str) -> object:
    if example_id in KNOWN_BUGS:
        mark = pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[example_id])
        return pytest.param(example_id, marks=mark, id=example_id)
    return pytest.param(example_id, id=example_id)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return _DATASET


@pytest.fixture(scope="module")
def reference_db(dataset: Dataset) -> duckdb.DuckDBPyConnection:
    """DuckDB tables (not views) copied from the frames pesql loads, so `rowid` is row order."""
    con = duckdb.connect(":memory:")
    con.execute("SET threads = 1")
    for name, frame in dataset.frames.items():
        con.register("incoming", frame)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
        con.unregister("incoming")
    return con


def test_dataset_shape(dataset: Dataset) -> None:
    examples = dataset.examples
    tables = {name for example in examples for name in example.tables}
    assert len(examples) >= 250
    assert len(tables) >= 6
    assert all(example.expected_source == "duckdb" for example in examples)
    assert all(example.reference_sql for example in examples)
    per_table = {t: sum(t in e.tables for e in examples) for t in tables}
    assert min(per_table.values()) >= 10, per_table


@pytest.mark.parametrize("example_id", [_param(i) for i in _EXAMPLES])
def test_gold_plan_gives_expected(dataset: Dataset, example_id: str) -> None:
    example: Example = _EXAMPLES[example_id]
    assert example.plan is not None
    try:
        answer = run_plan(dataset, example.plan, example.tables)
    except PesqlError as exc:
        pytest.fail(f"{example_id}: {exc}")
    good, why = grade(example, answer)
    assert good, f"{example_id} ({example.question}): {why}"


def test_reference_sql_still_gives_expected(reference_db: duckdb.DuckDBPyConnection) -> None:
    stale = []
    for example in _DATASET.examples:
        assert example.reference_sql is not None
        answer = answer_of(reference_db.sql(example.reference_sql).pl())
        good, why = grade(example, answer)
        if not good:
            stale.append(f"{example.id}: {why}")
    assert not stale, "rerun examples/datasets/build_tables_qa.py:\n" + "\n".join(stale)


def test_every_operation_is_used() -> None:
    # JOIN and LOOKUP need several tables: their questions are in flights-qa.
    flights = load_dataset(DATASET.parent / "flights-qa")
    used = coverage([*_DATASET.examples, *flights.examples])
    registered = {spec.name for spec in all_ops()}
    assert set(used) == registered
    assert [name for name, ids in used.items() if not ids] == []


def test_validator_finds_only_the_known_bugs() -> None:
    report = validate_dataset(DATASET)
    assert report.examples == len(_EXAMPLES)
    errors = sorted({f.diagnostic.message.split("`")[1] for f in report.errors})
    assert errors == sorted(KNOWN_BUGS), [str(f) for f in report.errors]
