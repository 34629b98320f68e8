"""Shared pieces of the fine-tuning tests: a small dataset built on disk, and its export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pesql.grammar.forms import to_form
from pesql.grammar.jsonform import dumps
from pesql.runtime.finetune.export import export_dataset

import pesql
from tests.runtime.ask_fixtures import penguins

# (question, plan): different step sets, so the split has strata to keep apart.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("How many penguins are there?", "AGGREGATE n = COUNT(*)"),
    ("What is the heaviest body mass?", "AGGREGATE heaviest = MAX(body_mass_g)"),
    ("What is the lightest body mass?", "AGGREGATE lightest = MIN(body_mass_g)"),
    ("How many penguins per species?", "GROUP_BY species COMPUTE n = COUNT(*)"),
    ("Average mass per island?", "GROUP_BY island COMPUTE mass = AVG(body_mass_g)"),
    ("Which penguins are Adelie?", "FILTER species = 'Adelie'"),
    ("Which penguins weigh over 3600 g?", "FILTER body_mass_g > 3600"),
    ("Which penguins live on Dream?", "FILTER island = 'Dream'"),
    ("Sort the penguins by mass, heaviest first.", "SORT body_mass_g DESC"),
    ("Sort the penguins by bill length.", "SORT bill_length_mm"),
    ("The three heaviest penguins?", "SORT body_mass_g DESC\nLIMIT 3"),
    ("The two longest bills?", "SORT bill_length_mm DESC\nLIMIT 2"),
    ("Which species are there?", "DISTINCT species"),
    ("Bill gap per penguin?", "DERIVE gap = SUB_ABS(bill_length_mm, bill_depth_mm)"),
)
COMPARE = {"order": "bag", "column_names": "ignored", "float_tol": 1e-06, "nan_equals_null": False}


def plan_arguments(text: str) -> dict[str, Any]:
    """The canonical arguments of a p-SQL text plan over the `penguins` table (the default
    profile's strict tree form: every property, calls positional)."""
    return to_form(pesql.parse("FROM penguins\n" + text), "tree", full=True)


def make_dataset(root: Path, questions: tuple[tuple[str, str], ...] = QUESTIONS) -> Path:
    """A dataset folder: tables/penguins.csv and one example per question. The expected
    results are placeholders: fine-tuning never reads them."""
    (root / "tables").mkdir(parents=True)
    penguins().write_csv(root / "tables" / "penguins.csv")
    (root / "tables" / "LICENSES.md").write_text("penguins: test data, CC0\n")
    lines = []
    for i, (question, text) in enumerate(questions, start=1):
        plan = plan_arguments(text)
        expected = {"columns": ["x"], "rows": []}
        example = {
            "id": f"penguins-{i:04d}",
            "question": question,
            "tables": ["penguins"],
            "plan": plan,
            "expected": expected,
            "expected_source": "pesql",
            "reference_sql": None,
            "compare": COMPARE,
            "tags": [],
        }
        lines.append(dumps(example))
    (root / "examples.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def exported(tmp_path: Path, **kw: Any) -> tuple[Path, Path]:
    """(dataset folder, export folder) of the small dataset."""
    dataset = make_dataset(tmp_path / "ds")
    export_dataset(dataset, tmp_path / "ft", **kw)
    return dataset, tmp_path / "ft"


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_records(path: Path, items: list[Any]) -> Path:
    """A JSONL file; strings are written verbatim (broken lines), anything else as JSON."""
    lines = [item if isinstance(item, str) else json.dumps(item) for item in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
