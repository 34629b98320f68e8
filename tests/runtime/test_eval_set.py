"""The held-out evaluation dataset (examples/datasets/eval-set) and the SUB_ABS questions.

eval-set is what a model fine-tuned on tables-qa is evaluated on (docs/finetuning.md), so it
must not share questions with tables-qa: the leakage check of `pesql finetune validate
--dataset` (E711, exact normalized question) must find nothing, and no question may be a
near-duplicate (token Jaccard >= 0.9, E615's measure) of a training question. Its gold plans
must reproduce the DuckDB-computed answers like tables-qa's. Across both datasets there must be
enough SUB_ABS questions for the naming experiment of docs/evaluation.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pesql.runtime.evals.datasets.load import load_dataset
from pesql.runtime.evals.datasets.validate import (
    normalize_question,
    ops_used,
    similar_pairs,
    validate_dataset,
)
from pesql.runtime.finetune.export import export_dataset
from pesql.runtime.finetune.validate import validate_training_file

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "examples" / "datasets" / "eval-set"
TABLES_QA = ROOT / "examples" / "datasets" / "tables-qa"
NEW_TABLES = {"ohlc", "wheat", "crimea", "driving"}


def test_shape() -> None:
    examples = load_dataset(EVAL_SET).examples
    assert len(examples) >= 90
    assert all(e.expected_source == "duckdb" and e.reference_sql for e in examples)
    assert all(e.id.startswith("eval-") for e in examples)
    tables = {t for e in examples for t in e.tables}
    assert tables > NEW_TABLES and len(tables) == 12
    assert {t for e in examples if "new_table" in e.tags for t in e.tables} == NEW_TABLES
    licenses = (EVAL_SET / "tables" / "LICENSES.md").read_text(encoding="utf-8").splitlines()
    assert {line.split("`")[1] for line in licenses if line.startswith("| `")} == tables


def test_gold_plans_and_reference_sql_give_expected() -> None:
    report = validate_dataset(EVAL_SET, recompute=True)
    assert report.ok, [str(f) for f in report.errors]
    assert report.executed == report.passed == report.examples
    assert report.findings == []  # not even a warning (LICENSES.md, near-duplicates)


def test_shared_tables_are_the_training_tables() -> None:
    shared = [p for p in (EVAL_SET / "tables").glob("*.csv") if p.stem not in NEW_TABLES]
    assert len(shared) == 8
    for path in shared:
        assert path.read_bytes() == (TABLES_QA / "tables" / path.name).read_bytes(), path.name


def test_no_question_is_shared_with_the_training_set() -> None:
    held_out = [normalize_question(e.question) for e in load_dataset(EVAL_SET).examples]
    training = [normalize_question(e.question) for e in load_dataset(TABLES_QA).examples]
    assert not set(held_out) & set(training)
    texts = training + held_out
    across = [
        (texts[i], texts[j], score)
        for i, j, score in similar_pairs(texts)
        if (i < len(training)) != (j < len(training))
    ]
    assert across == []


@pytest.fixture(scope="module")
def train_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ft")
    return export_dataset(TABLES_QA, out, val_fraction=0.0).train


def test_finetune_validate_reports_no_leakage_into_the_eval_set(train_file: Path) -> None:
    report = validate_training_file(train_file, eval_dataset=EVAL_SET, tables=TABLES_QA / "tables")
    assert not [f for f in report.findings if f.diagnostic.code == "E711"]
    # The check is live: against the training set itself every example leaks.
    leaks = validate_training_file(train_file, eval_dataset=TABLES_QA, tables=TABLES_QA / "tables")
    e711 = [f for f in leaks.findings if f.diagnostic.code == "E711"]
    assert len(e711) == report.examples == len(load_dataset(TABLES_QA).examples)


def test_enough_sub_abs_questions_for_the_naming_experiment() -> None:
    def sub_abs(path: Path) -> int:
        examples = load_dataset(path).examples
        return sum(e.plan is not None and "SUB_ABS" in ops_used(e.plan) for e in examples)

    assert sub_abs(TABLES_QA) >= 40  # the experiment of docs/evaluation.md runs on tables-qa
    assert sub_abs(EVAL_SET) >= 25
    doc = (ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8")
    assert f"{sub_abs(TABLES_QA)} of the {len(load_dataset(TABLES_QA).examples)}" in doc
    assert f"{sub_abs(EVAL_SET)} of the {len(load_dataset(EVAL_SET).examples)}" in doc
