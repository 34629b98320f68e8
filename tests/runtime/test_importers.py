"""Importers: WikiSQL logical forms -> p-SQL plans, WikiTableQuestions -> answer-only datasets."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import from_json, to_json
from pesql.grammar.printer import to_text
from pesql.runtime.cli.main import run_cli
from pesql.runtime.evals.answers import result_strings
from pesql.runtime.evals.datasets.load import load_dataset
from pesql.runtime.evals.datasets.run import run_plan
from pesql.runtime.evals.datasets.validate import validate_dataset
from pesql.runtime.evals.importers.wikisql import column_names, convert, import_wikisql, pattern
from pesql.runtime.evals.importers.wtq import import_wtq, tsv_unescape_list, wtq_table_name

HEADER = ["Player", "No.", "Points", "Team"]
TYPES = ["text", "text", "real", "text"]


@pytest.mark.parametrize(
    ("sql", "text"),
    [
        (
            {"sel": 0, "agg": 0, "conds": [[3, 0, "Duke"]]},
            "FROM t\nFILTER LOWER(Team) = 'duke'\nSELECT Player",
        ),
        ({"sel": 2, "agg": 1, "conds": []}, "FROM t\nAGGREGATE max = MAX(Points)"),
        (
            {"sel": 2, "agg": 2, "conds": [[2, 1, "1,000"]]},
            "FROM t\nFILTER Points > 1000\nAGGREGATE min = MIN(Points)",
        ),
        (
            {"sel": 0, "agg": 3, "conds": [[2, 2, 3.5], [1, 0, 21]]},
            "FROM t\nFILTER Points < 3.5 AND LOWER(`No.`) = '21'\nAGGREGATE count = COUNT(Player)",
        ),
        ({"sel": 1, "agg": 4, "conds": []}, "FROM t\nAGGREGATE sum = SUM(PARSE_NUMBER(`No.`))"),
        (
            {"sel": 2, "agg": 5, "conds": [[0, 0, "O'Neal"]]},
            "FROM t\nFILTER LOWER(Player) = 'o''neal'\nAGGREGATE avg = AVG(Points)",
        ),
    ],
)
def test_convert_with_a_table(sql: dict[str, object], text: str) -> None:
    assert to_text(convert(sql, HEADER, TYPES, "t")) == text


def test_convert_without_a_table_types_follow_the_values() -> None:
    plan = convert({"sel": 1, "agg": 0, "conds": [[0, 0, "x"], [2, 1, 5], [3, 2, "7"]]})
    assert to_text(plan) == "FILTER LOWER(col0) = 'x' AND col2 > 5 AND col3 < 7\nSELECT col1"


@pytest.mark.parametrize(
    "sql",
    [
        {"sel": 0, "agg": 0, "conds": [[1, 3, "x"]]},  # OP
        {"sel": 9, "agg": 0, "conds": []},
        {"sel": 0, "agg": 6, "conds": []},
        {"sel": 0, "agg": 0},
        {"sel": 0, "agg": 0, "conds": [[2, 1, "many"]]},  # not a number on a real column
    ],
)
def test_convert_refuses_malformed_forms(sql: dict[str, object]) -> None:
    with pytest.raises(PesqlError) as caught:
        convert(sql, HEADER, TYPES, "t")
    assert caught.value.codes == ("E155",)


def test_column_names_are_distinct_and_non_empty() -> None:
    assert column_names(["a", "a", " ", "b  c"]) == ["a", "a_2", "col2", "b c"]


@pytest.mark.corpora
def test_mini_dev_sample_reproduces_gold_answers(corpora: Path, tmp_path: Path) -> None:
    sample = corpora / "wikisql" / "mini_dev_sample.json"
    data = json.loads(sample.read_text())
    stats = import_wikisql(tmp_path / "ds", sample, sample)
    assert (stats.examples, stats.tables) == (5, 1)
    dataset = load_dataset(tmp_path / "ds")
    assert len(dataset.examples) == len(data["examples"]) == 5
    for example, gold in zip(dataset.examples, data["examples"], strict=True):
        assert example.question == gold["question"]
        assert example.plan is not None
        answer = run_plan(dataset, example.plan, example.tables)
        assert result_strings(answer) == [str(v) for v in gold["gold_answer_wikisqlv2"]]
    report = validate_dataset(tmp_path / "ds", recompute=True)
    assert report.ok and report.passed == 5, [str(f) for f in report.findings]


@pytest.mark.corpora
def test_every_dev_logical_form_converts_and_lowers(corpora: Path) -> None:
    patterns: Counter[str] = Counter()
    with gzip.open(corpora / "wikisql" / "dev.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            sql = json.loads(line)["sql"]
            plan = convert(sql)
            assert from_json(to_json(plan)) == plan
            patterns[pattern(sql)] += 1
    assert sum(patterns.values()) == 8421
    assert patterns["SELECT where ="] == 4419
    assert patterns["COUNT where ="] == 480
    assert {p.split()[0] for p in patterns} == {"SELECT", "COUNT", "MAX", "MIN", "SUM", "AVG"}


@pytest.mark.corpora
def test_import_wikisql_without_tables_counts_patterns(corpora: Path, tmp_path: Path) -> None:
    stats = import_wikisql(tmp_path / "none", corpora / "wikisql" / "dev.jsonl.gz", None, limit=200)
    assert sum(stats.patterns.values()) == 200
    assert stats.examples == 0 and not (tmp_path / "none").exists()


def test_wtq_helpers() -> None:
    assert wtq_table_name("csv/204-csv/772.csv") == "t204_772"
    assert tsv_unescape_list(r"a\pb|c\nd|e\\f") == ["a|b", "c\nd", "e\\f"]
    with pytest.raises(ValueError):
        wtq_table_name("tables/x.csv")


@pytest.mark.corpora
@pytest.mark.parametrize("split", ["dev", "test"])
def test_import_wtq(corpora: Path, tmp_path: Path, split: str) -> None:
    out = tmp_path / split
    stats = import_wtq(out, corpora / "wtq", split=split, limit=25)  # type: ignore[arg-type]
    assert stats.examples == 25 and stats.tables == len(list(out.glob("tables/*.tsv")))
    dataset = load_dataset(out)
    assert len(dataset.examples) == 25
    first = dataset.examples[0]
    assert first.plan is None and first.answers
    assert (first.answers_canon is not None) is (split == "test")
    assert first.meta["corpus"] == "wtq"
    assert "CC BY-SA 4.0" in (out / "tables" / "LICENSES.md").read_text()
    assert validate_dataset(out).errors == []
    with pytest.raises(PesqlError):  # no silent overwrite
        import_wtq(out, corpora / "wtq", split=split, limit=1)  # type: ignore[arg-type]


@pytest.mark.corpora
def test_cli_importers(corpora: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "dataset",
        "import-wtq",
        str(tmp_path / "w"),
        "--corpus",
        str(corpora / "wtq"),
        "--split",
        "test",
        "--limit",
        "3",
        "--json",
    ]
    assert run_cli(argv) == 0
    assert json.loads(capsys.readouterr().out)["examples"] == 3
    sample = str(corpora / "wikisql" / "mini_dev_sample.json")
    argv = [
        "dataset",
        "import-wikisql",
        str(tmp_path / "s"),
        "--questions",
        sample,
        "--tables",
        sample,
    ]
    assert run_cli(argv) == 0
    assert "examples written: 5" in capsys.readouterr().out
