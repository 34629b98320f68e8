"""Datasets: loading with file:line findings, every validation finding, `dataset add`, CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pesql.grammar.diagnostics import PesqlError, Span
from pesql.grammar.jsonform import dumps, to_json
from pesql.grammar.parse import parse
from pesql.runtime.cli.main import run_cli
from pesql.runtime.evals.datasets import add as dataset_add
from pesql.runtime.evals.datasets.add import add_example
from pesql.runtime.evals.datasets.load import DatasetError, load_dataset, read_dataset
from pesql.runtime.evals.datasets.validate import (
    normalize_question,
    ops_used,
    similar_pairs,
    validate_dataset,
)

SHOP = "item,price,qty\napple,1.5,10\npear,2.0,4\nplum,0.5,7\n"
COMPARE = {"order": "bag", "column_names": "ignored", "float_tol": 1e-06, "nan_equals_null": False}


def _plan(text: str) -> dict[str, Any]:
    return to_json(parse(text))


def _example(ident: str = "shop-1", **changes: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": ident,
        "question": f"Which items cost more than one? ({ident})",
        "tables": ["shop"],
        "plan": _plan("FROM shop\nFILTER price > 1\nSELECT item"),
        "expected": {"columns": ["item"], "rows": [["apple"], ["pear"]]},
        "expected_source": "manual",
        "reference_sql": "SELECT item FROM shop WHERE price > 1",
        "compare": COMPARE,
        "tags": [],
        "meta": {},
    }
    return line | changes


def _dataset(tmp_path: Path, *lines: dict[str, Any] | str) -> Path:
    root = tmp_path / "shop-ds"
    (root / "tables").mkdir(parents=True)
    (root / "tables" / "shop.csv").write_text(SHOP)
    (root / "tables" / "LICENSES.md").write_text("made up for tests\n")
    text = "".join((x if isinstance(x, str) else dumps(x)) + "\n" for x in lines)
    (root / "examples.jsonl").write_text(text)
    return root


def _codes(path: Path, recompute: bool = False) -> list[tuple[str, int | None, str | None]]:
    report = validate_dataset(path, recompute=recompute)
    return [(f.diagnostic.code, f.line, f.pointer) for f in report.findings]


# --- loading --------------------------------------------------------------------------------
def test_a_good_dataset_loads_and_validates(tmp_path: Path) -> None:
    root = _dataset(
        tmp_path,
        _example(),
        _example(
            "shop-2",
            question="How many rows?",
            plan="FROM shop\nAGGREGATE n = COUNT(*)",
            expected={"columns": ["n"], "rows": [[3]]},
            reference_sql=None,
        ),
    )
    dataset = load_dataset(root)
    assert [e.id for e in dataset.examples] == ["shop-1", "shop-2"]
    report = validate_dataset(root, recompute=True)
    assert report.ok, [str(f) for f in report.findings]
    assert (report.executed, report.passed) == (2, 2)


@pytest.mark.parametrize(
    ("line", "code", "pointer"),
    [
        ("{not json", "E601", ""),
        ("[1, 2]", "E601", ""),
        (dumps({k: v for k, v in _example().items() if k != "question"}), "E602", ""),
        (dumps(_example(tables="shop")), "E603", "/tables"),
        (dumps(_example(id="has space")), "E603", "/id"),
        (dumps(_example(qestion="typo")), "E604", "/qestion"),
        (dumps(_example(tables=["shops"])), "E606", "/tables/0"),
        (dumps(_example(compare={"order": "sorted"})), "E603", "/compare/order"),
        (dumps(_example(compare={"order": "bag", "tol": 1})), "E604", "/compare/tol"),
        (
            dumps(_example(expected={"columns": ["item"], "rows": [["a", "b"]]})),
            "E603",
            "/expected/rows/0",
        ),
        (dumps(_example(expected={"file": "expected/missing.csv"})), "E605", "/expected/file"),
        (
            dumps(_example(plan={"table": "shop", "steps": [{"op": "FILTR"}]})),
            "E610",
            "/plan/steps/0/op",
        ),
        (dumps(_example(plan="FROM shop\nFILTER price >")), "E610", "/plan"),
        (dumps(_example(plan=None)), "E603", "/plan"),
        # Issue 21: a lone surrogate crashed `eval run` when the question was printed.
        (json.dumps(_example(question="how many \udfff?")), "E603", "/question"),
        (json.dumps(_example(tags=["ok", "\ud800"])), "E603", "/tags/1"),
    ],
)
def test_loading_errors_point_to_file_and_line(
    tmp_path: Path, line: str, code: str, pointer: str
) -> None:
    root = _dataset(tmp_path, _example("ok-1"), line)
    dataset, findings = read_dataset(root)
    assert [e.id for e in dataset.examples] == ["ok-1"]  # the bad line is left out
    assert code in [f.diagnostic.code for f in findings]
    found = next(f for f in findings if f.diagnostic.code == code)
    assert found.file == root / "examples.jsonl"
    assert isinstance(found.diagnostic.origin, Span) and found.line == 2
    assert found.pointer == pointer
    assert str(found).startswith(f"{root / 'examples.jsonl'}:2:")
    with pytest.raises(DatasetError) as caught:
        load_dataset(root)
    assert "examples.jsonl:2:" in str(caught.value)


def test_span_column_points_at_the_property(tmp_path: Path) -> None:
    line = dumps(_example(tables=["shops"]))
    root = _dataset(tmp_path, line)
    _, findings = read_dataset(root)
    origin = findings[0].diagnostic.origin
    assert isinstance(origin, Span)
    assert line[origin.column - 1 :].startswith('"tables"')


def test_text_plan_errors_keep_their_text_position(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _example(plan="FROM shop\nFILTR price > 1"))
    _, findings = read_dataset(root)
    assert findings[0].diagnostic.code == "E610"
    assert any(h.startswith("in the p-SQL text at 2:") for h in findings[0].diagnostic.hints)


def test_missing_folder_and_licenses(tmp_path: Path) -> None:
    _, findings = read_dataset(tmp_path / "nowhere")
    assert {f.diagnostic.code for f in findings} == {"E605"}
    root = _dataset(tmp_path, _example())
    (root / "tables" / "LICENSES.md").unlink()
    report = validate_dataset(root)
    assert [(f.diagnostic.code, f.severity) for f in report.findings] == [("E618", "warning")]
    assert report.ok


def test_expected_from_a_csv_file(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _example(expected={"file": "expected/shop-1.csv"}))
    (root / "expected").mkdir()
    (root / "expected" / "shop-1.csv").write_text("item\npear\napple\n")
    assert validate_dataset(root).ok
    (root / "expected" / "shop-1.csv").write_text("item\npear\n")
    assert _codes(root) == [("E612", 1, "/expected")]


def test_non_finite_floats_are_written_as_objects(tmp_path: Path) -> None:
    expected = {"columns": ["x"], "rows": [[{"float": "NaN"}], [{"float": "-Infinity"}]]}
    root = _dataset(tmp_path, _example(expected=expected))
    example = load_dataset(root).examples[0]
    assert example.expected is not None
    assert str(example.expected.rows[0][0]) == "nan"
    assert example.to_json()["expected"] == expected


# --- validation findings --------------------------------------------------------------------
def test_gold_plan_that_does_not_check(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _example(plan=_plan("FROM shop\nFILTER prise > 1\nSELECT item")))
    assert _codes(root) == [("E610", 1, "/plan")]
    report = validate_dataset(root)
    assert "[E201]" in report.findings[0].diagnostic.message


def test_non_canonical_plan_json(tmp_path: Path) -> None:
    plan = {
        "steps": [
            {"where": {"op": "gt", "left": "price", "right": 1}, "op": "FILTER"},
            {"op": "SELECT", "columns": [{"column": "item"}]},
        ],
        "table": "shop",
    }
    root = _dataset(tmp_path, _example(plan=plan))
    assert _codes(root) == [("E611", 1, "/plan")]


def test_wrong_expected_result(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _example(expected={"columns": ["item"], "rows": [["apple"]]}))
    report = validate_dataset(root)
    assert [(f.diagnostic.code, f.pointer) for f in report.findings] == [("E612", "/expected")]
    assert "2 rows instead of 1" in report.findings[0].diagnostic.message
    assert not report.ok


def test_ordered_comparison_is_a_finding_when_order_differs(tmp_path: Path) -> None:
    ordered = COMPARE | {"order": "ordered"}
    expected = {"columns": ["item"], "rows": [["pear"], ["apple"]]}
    root = _dataset(tmp_path, _example(compare=ordered, expected=expected))
    assert _codes(root) == [("E612", 1, "/expected")]


def test_duplicate_ids(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _example("a"), _example("a", question="Another question?"))
    assert _codes(root) == [("E613", 2, "/id")]


def test_duplicate_questions(tmp_path: Path) -> None:
    same = "Which items cost more than one?"
    root = _dataset(
        tmp_path,
        _example("a", question=same),
        _example("b", question="which items cost more than ONE"),
    )
    report = validate_dataset(root)
    assert [(f.diagnostic.code, f.severity, f.line) for f in report.findings] == [
        ("E614", "error", 2)
    ]


def test_same_question_over_other_tables_is_a_warning(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _example("a", question="How many rows?"))
    (root / "tables" / "other.csv").write_text("k\n1\n")
    other = _example(
        "b",
        question="How many rows?",
        tables=["other"],
        plan=_plan("FROM other\nAGGREGATE n = COUNT(*)"),
        expected={"columns": ["n"], "rows": [[1]]},
        reference_sql=None,
    )
    with (root / "examples.jsonl").open("a") as file:
        file.write(dumps(other) + "\n")
    report = validate_dataset(root)
    assert [(f.diagnostic.code, f.severity) for f in report.findings] == [("E614", "warning")]
    assert report.ok


def test_near_duplicate_questions(tmp_path: Path) -> None:
    first = "which of the listed fruit items in the shop cost more than one euro each today"
    second = "which of the listed fruit items in the shop cost more than one euro each now today"
    root = _dataset(tmp_path, _example("a", question=first), _example("b", question=second))
    report = validate_dataset(root)
    assert [(f.diagnostic.code, f.severity, f.line) for f in report.findings] == [
        ("E615", "warning", 2)
    ]
    assert report.near_duplicates == [("a", "b", 0.938)]


def test_similar_pairs_agrees_with_all_pairs() -> None:
    texts = [
        normalize_question(t)
        for t in [
            "how many gold medals did norway win in 1994",
            "how many gold medals did norway win",
            "how many gold medals did norway win in 1994 ?",
            "what is the total number of medals",
            "what is the total number of gold medals",
            "a b c d e f g h i j",
            "a b c d e f g h i j k",
            "a b c d e f g h i",
        ]
    ]
    sets = [set(t.split()) for t in texts]
    brute = {
        (i, j)
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= 0.9
    }
    assert {(i, j) for i, j, _ in similar_pairs(texts)} == brute
    assert brute  # the fixture does hold near-duplicates


def test_coverage_matrix(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _example())
    report = validate_dataset(root)
    assert report.coverage["FILTER"] == ["shop-1"]
    assert report.coverage["GT"] == ["shop-1"]
    assert report.coverage["SELECT"] == ["shop-1"]
    assert "WINDOW" in report.unused_ops and "GT" not in report.unused_ops
    from pesql.grammar.registry import all_ops

    assert set(report.coverage) == {spec.name for spec in all_ops()}


def test_ops_used_walks_records_and_nested_calls() -> None:
    plan = parse(
        "FROM t\nDERIVE g = ROUND(SUB_ABS(a, b), digits => 1)\n"
        "GROUP_BY k COMPUTE m = AVG(g) \nSORT m DESC"
    )
    assert sorted(set(ops_used(plan))) == ["AVG", "DERIVE", "GROUP_BY", "ROUND", "SORT", "SUB_ABS"]


def test_recompute_reference_sql(tmp_path: Path) -> None:
    root = _dataset(
        tmp_path,
        _example("a"),
        _example("b", question="q b?", reference_sql="SELECT item FROM shop"),
        _example("c", question="q c?", reference_sql="SELEC item FROM shop"),
    )
    assert _codes(root) == []
    assert _codes(root, recompute=True) == [
        ("E617", 2, "/reference_sql"),
        ("E616", 3, "/reference_sql"),
    ]


def test_answer_only_examples(tmp_path: Path) -> None:
    line = {
        "id": "w1",
        "question": "What is the priciest item?",
        "tables": ["shop"],
        "plan": None,
        "reference_sql": None,
        "answers": ["Pear"],
        "answers_canon": None,
        "compare": {"mode": "wtq"},
        "tags": ["wtq"],
        "meta": {},
    }
    with_plan = line | {
        "id": "w2",
        "question": "Cheapest?",
        "answers": ["plum"],
        "plan": _plan("FROM shop\nSORT price\nLIMIT 1\nSELECT item"),
    }
    wrong = with_plan | {"id": "w3", "question": "Cheapest item?", "answers": ["apple"]}
    root = _dataset(tmp_path, line, with_plan, wrong)
    example = load_dataset(root).examples[0]
    assert example.to_json() == line
    report = validate_dataset(root)
    assert [(f.diagnostic.code, f.line, f.pointer) for f in report.findings] == [
        ("E612", 3, "/answers")
    ]
    assert (report.executed, report.passed) == (2, 1)


# --- dataset add ----------------------------------------------------------------------------
def test_add_from_reference_sql_and_from_pesql(tmp_path: Path) -> None:
    root = _dataset(tmp_path, _example())
    added = add_example(
        root,
        question="Total quantity?",
        plan="FROM shop\nAGGREGATE q = SUM(qty)",
        reference_sql="SELECT sum(qty) AS q FROM shop",
        tags=["aggregate"],
        order="ordered",
    )
    assert added.id == "shop-ds-0002" and added.expected_source == "duckdb"
    added = add_example(
        root,
        question="Cheap items?",
        plan=json.dumps(_plan("FROM shop\nFILTER price < 1")),
        example_id="cheap",
    )
    assert added.expected_source == "pesql"
    lines = (root / "examples.jsonl").read_text().splitlines()
    assert len(lines) == 3
    second, third = json.loads(lines[1]), json.loads(lines[2])
    assert list(second) == [
        "id",
        "question",
        "tables",
        "plan",
        "expected",
        "expected_source",
        "reference_sql",
        "compare",
        "tags",
        "meta",
    ]
    assert second["expected"] == {"columns": ["q"], "rows": [[21]]}
    assert second["compare"]["order"] == "ordered"
    assert third["expected"]["rows"] == [["plum", 0.5, 7]]
    assert lines[2] == dumps(third)  # canonical: compact, in order
    assert validate_dataset(root, recompute=True).ok


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"question": "Which items cost more than one? (shop-1)"}, "E614"),
        ({"example_id": "shop-1"}, "E613"),
        ({"plan": "FROM shop\nFILTER prise > 1"}, "E201"),
        ({"plan": "FROM shop\nFILTR price > 1"}, "E107"),
        ({"reference_sql": "SELECT count(*) FROM shop"}, "E612"),
        ({"reference_sql": "SELEC 1"}, "E616"),
    ],
)
def test_add_refuses(tmp_path: Path, kwargs: dict[str, Any], code: str) -> None:
    root = _dataset(tmp_path, _example())
    before = (root / "examples.jsonl").read_bytes()
    args: dict[str, Any] = {"question": "New question?", "plan": "FROM shop\nSELECT item"}
    with pytest.raises(PesqlError) as caught:
        add_example(root, **(args | kwargs))
    assert code in caught.value.codes
    assert (root / "examples.jsonl").read_bytes() == before


def test_add_is_atomic_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _dataset(tmp_path, _example())
    path = root / "examples.jsonl"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # a last line without newline
    before = path.read_bytes()

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(dataset_add.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        add_example(root, question="New?", plan="FROM shop\nSELECT item")
    assert path.read_bytes() == before
    assert [p.name for p in root.iterdir() if p.name.endswith(".tmp")] == []
    monkeypatch.undo()
    add_example(root, question="New?", plan="FROM shop\nSELECT item")
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line) for line in lines)


# --- CLI ------------------------------------------------------------------------------------
def test_cli_validate_exit_codes_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _dataset(tmp_path, _example())
    assert run_cli(["dataset", "validate", str(root), "--recompute", "--coverage"]) == 0
    assert "1/1 gold plans match" in capsys.readouterr().out
    with (root / "examples.jsonl").open("a") as file:
        file.write("{broken\n")
    assert run_cli(["dataset", "validate", str(root), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["findings"][0]["code"] == "E601" and report["findings"][0]["line"] == 2
    assert run_cli(["dataset", "coverage", str(root), "--json"]) == 1
    assert "FILTER" in json.loads(capsys.readouterr().out)["coverage"]


def test_cli_add(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _dataset(tmp_path, _example())
    plan_file = tmp_path / "plan.psql"
    plan_file.write_text("FROM shop\nAGGREGATE n = COUNT(*)\n")
    argv = [
        "dataset",
        "add",
        str(root),
        "--question",
        "How many items?",
        "--plan",
        str(plan_file),
        "--tags",
        "count,easy",
        "--compare",
        "set",
        "--reference-sql",
        "SELECT count(*) FROM shop",
    ]
    assert run_cli(argv) == 0
    assert "added shop-ds-0002" in capsys.readouterr().out
    assert run_cli(argv) == 1  # the same question again
    assert "E614" in capsys.readouterr().err
    last = json.loads((root / "examples.jsonl").read_text().splitlines()[-1])
    assert last["tags"] == ["count", "easy"] and last["compare"]["order"] == "set"


def test_reference_sql_sees_tables_with_rowid(tmp_path: Path) -> None:
    first = _example(
        "a",
        question="First item?",
        plan=_plan("FROM shop\nLIMIT 1\nSELECT item"),
        expected={"columns": ["item"], "rows": [["apple"]]},
        reference_sql="SELECT item FROM shop ORDER BY rowid LIMIT 1",
    )
    root = _dataset(tmp_path, first)
    assert _codes(root, recompute=True) == []


def test_tables_are_loaded_when_first_named(tmp_path: Path) -> None:
    """A command that needs one table (an eval report's drill-down, a fine-tuning example)
    loads that one: another table that does not load does not stop it, and is refused with
    its own error when named."""
    root = _dataset(tmp_path, _example())
    (root / "tables" / "broken.parquet").write_bytes(b"not parquet at all")
    dataset = load_dataset(root)
    shop = dataset.tables(["shop"])
    assert shop.names() == ["shop"]
    assert dataset.tables(["shop"]).get("shop") is shop.get("shop")  # loaded once
    with pytest.raises(PesqlError) as broken:
        dataset.tables(["shop", "broken"])
    assert broken.value.codes and "E210" not in broken.value.codes
    with pytest.raises(PesqlError) as typo:
        dataset.tables(["shops"])
    assert typo.value.codes == ("E210",)
    assert "did you mean `shop`?" in str(typo.value)
