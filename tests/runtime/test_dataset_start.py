"""`pesql dataset add` starts a new dataset; `validate` reports progress as it goes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.cli.main import run_cli
from pesql.runtime.evals.datasets.add import add_table
from pesql.runtime.evals.datasets.load import load_dataset
from pesql.runtime.evals.datasets.validate import validate_dataset


def _table(tmp_path: Path, text: str = "a,b\n1,2\n3,5\n") -> Path:
    path = tmp_path / "source.csv"
    path.write_text(text)
    return path


def test_add_starts_a_new_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "new-set"
    source = _table(tmp_path)
    args = ["dataset", "add", str(root), "--table", f"t={source}", "--license", "made up"]
    args += ["--question", "What is the largest b?", "--plan", "FROM t AGGREGATE m = MAX(b)"]
    assert run_cli(args) == 0, capsys.readouterr().err
    dataset = load_dataset(root)
    assert [e.question for e in dataset.examples] == ["What is the largest b?"]
    assert dataset.examples[0].expected is not None
    assert dataset.examples[0].expected.rows == ((5,),)
    assert (root / "tables" / "LICENSES.md").read_text() == "t.csv: made up\n"
    # The second example reuses the table already there (same content: no error, no copy).
    args[-3:] = ["How many rows?", "--plan", "FROM t AGGREGATE n = COUNT()"]
    assert run_cli(args) == 0
    assert len(load_dataset(root).examples) == 2


def test_a_different_table_of_the_same_name_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    add_table(root, _table(tmp_path), name="t")
    other = tmp_path / "other.csv"
    other.write_text("a\n9\n")
    with pytest.raises(PesqlError) as error:
        add_table(root, other, name="t")
    assert error.value.diagnostics[0].code == "E605"
    assert (root / "tables" / "t.csv").read_text().startswith("a,b")  # untouched


def test_validate_reports_progress(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    for question in ("What is the largest b?", "What is the smallest b?"):
        plan = "FROM t AGGREGATE m = MAX(b)"
        table = f"t={_table(tmp_path)}"
        run_cli(
            ["dataset", "add", str(root), "--table", table, "--question", question, "--plan", plan]
        )
    seen: list[tuple[int, int]] = []
    report = validate_dataset(root, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]
    assert report.ok, json.dumps(report.to_dict())
