"""Validation of fine-tuning files: one snapshot per kind of error, and the rules around them.

Snapshots live in tests/runtime/snapshots/finetune/<kind>.txt (the findings as `pesql finetune
validate` prints them, with the file name only; token counts redacted, see tests/snapshot.py).
A missing one is written and the test fails; rewrite them all with PESQL_UPDATE_SNAPSHOTS=1
after a deliberate wording change.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.grammar.jsonform import dumps
from pesql.runtime.cli.main import run_cli
from pesql.runtime.finetune.export import training_record
from pesql.runtime.finetune.limits import limits_for
from pesql.runtime.finetune.validate import validate_training_file
from pesql.runtime.llm.ask import as_catalog

import pesql
from tests.runtime.ask_fixtures import penguins
from tests.runtime.finetune_fixtures import QUESTIONS, make_dataset, plan_arguments, write_records
from tests.snapshot import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots" / "finetune"
SCHEMAS = {"penguins": schema_from_polars(dict(penguins().schema))}
Record = dict[str, Any]


@cache
def _good(index: int) -> str:
    question, text = QUESTIONS[index]
    plan = pesql.from_json(plan_arguments(text))
    return dumps(training_record(question, as_catalog({"penguins": penguins()}), plan))


def good(index: int = 0) -> Record:
    record: Record = json.loads(_good(index))
    return record


def call(record: Record) -> dict[str, Any]:
    function: dict[str, Any] = record["messages"][-1]["tool_calls"][0]["function"]
    return function


def with_arguments(value: Any, index: int = 0) -> Record:
    record = good(index)
    call(record)["arguments"] = value if isinstance(value, str) else json.dumps(value)
    return record


def bad_role() -> list[Any]:
    record = good()
    record["messages"][1]["role"] = "human"
    return [record]


def bad_tool_calls() -> list[Any]:
    record = good()
    record["messages"][-1]["tool_calls"] = [
        {"id": "call_0", "function": {"name": "query_table", "arguments": {"steps": []}}}
    ]
    return [record]


def unparsable_arguments() -> list[Any]:
    return [with_arguments('{"table": "penguins", "steps": [')]


def schema_violation() -> list[Any]:
    plan = plan_arguments("LIMIT 5")
    plan["steps"][0]["count"] = "five"
    return [with_arguments(plan)]


def non_canonical() -> list[Any]:
    plan = plan_arguments("LIMIT 5")
    return [with_arguments({"steps": plan["steps"], "table": "penguins"})]


def lowering_error() -> list[Any]:
    plan = plan_arguments("FILTER species = 'Adelie'")
    plan["steps"][0]["where"]["args"][1] = {"value": "not a date", "type": "date"}
    return [with_arguments(plan)]


def unknown_column() -> list[Any]:
    return [with_arguments(plan_arguments("FILTER wings > 2"))]


def duplicate() -> list[Any]:
    return [good(0), good(1), good(0)]


def leakage() -> list[Any]:
    return [good(0), good(1)]


def too_few() -> list[Any]:
    return [good(i) for i in range(3)]


def token_limit() -> list[Any]:
    record = good()
    record["messages"][1]["content"] = "How many penguins? " * 4000
    return [record]


def broken_line() -> list[Any]:
    return [good(0), '{"messages": [', "[1, 2]"]


CASES: dict[str, tuple[Callable[[], list[Any]], dict[str, Any]]] = {
    "bad_role": (bad_role, {}),
    "bad_tool_calls": (bad_tool_calls, {}),
    "unparsable_arguments": (unparsable_arguments, {}),
    "schema_violation": (schema_violation, {}),
    "non_canonical": (non_canonical, {}),
    "lowering_error": (lowering_error, {}),
    "unknown_column": (unknown_column, {"tables": SCHEMAS}),
    "duplicate": (duplicate, {}),
    "leakage": (leakage, {"eval": True}),
    "too_few": (too_few, {"min_examples": 10}),
    "token_limit": (token_limit, {"model": "gpt-3.5-turbo"}),
    "broken_line": (broken_line, {}),
}


def run_case(tmp_path: Path, kind: str) -> list[str]:
    build, options = CASES[kind]
    options = dict(options)
    path = write_records(tmp_path / "train.jsonl", build())
    if options.pop("eval", False):
        options["eval_dataset"] = make_dataset(tmp_path / "eval")
    options.setdefault("min_examples", 1)
    report = validate_training_file(path, **options)
    return [str(f).replace(str(path), path.name) for f in report.findings]


@pytest.mark.parametrize("kind", sorted(CASES))
def test_error_snapshot(tmp_path: Path, kind: str) -> None:
    text = "\n".join(run_case(tmp_path, kind)) + "\n"
    assert_snapshot(SNAPSHOTS / f"{kind}.txt", text)
    assert " error[" in text  # every case is an error, not only a warning


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        ("bad_role", {"E703"}),
        ("bad_tool_calls", {"E704"}),
        ("unparsable_arguments", {"E705"}),
        ("schema_violation", {"E706"}),
        ("non_canonical", {"E709"}),
        ("lowering_error", {"E707"}),
        ("unknown_column", {"E708"}),
        ("duplicate", {"E710"}),
        ("leakage", {"E711"}),
        ("too_few", {"E712"}),
        ("token_limit", {"E713"}),
        ("broken_line", {"E701"}),
    ],
)
def test_each_case_reports_its_code(tmp_path: Path, kind: str, codes: set[str]) -> None:
    found = {line.split("[", 1)[1][:4] for line in run_case(tmp_path, kind) if "[" in line}
    assert found == codes


def test_a_clean_file_has_no_findings_and_counts_tokens(tmp_path: Path) -> None:
    path = write_records(tmp_path / "train.jsonl", [good(i) for i in range(12)])
    report = validate_training_file(path, tables=SCHEMAS, min_examples=10)
    assert [str(f) for f in report.findings] == [
        str(f) for f in report.findings if "E712" in str(f)
    ]
    assert report.ok and report.examples == 12
    assert min(report.tokens) > 1000  # the tool definition is sent, and trained on, every time
    limits = limits_for("gpt-4o-mini")
    assert limits is not None
    assert report.cost_per_epoch == pytest.approx(report.total_tokens * 3.0 / 1e6)
    assert "per epoch" in report.summary() and "2025-06" in report.summary()


def test_an_unknown_model_has_no_limit_and_no_price(tmp_path: Path) -> None:
    path = write_records(tmp_path / "t.jsonl", token_limit())
    report = validate_training_file(path, model="my-local-model", min_examples=1)
    assert report.ok and report.cost_per_epoch is None
    assert "no price known for my-local-model" in report.summary()


def test_leakage_over_another_table_is_only_a_warning(tmp_path: Path) -> None:
    record = good(0)
    arguments = json.loads(call(record)["arguments"])
    call(record)["arguments"] = dumps(arguments | {"table": "cars"})
    path = write_records(tmp_path / "t.jsonl", [record])
    tables = SCHEMAS | {"cars": SCHEMAS["penguins"]}  # the question, asked of another table
    evaluation = make_dataset(tmp_path / "e")
    report = validate_training_file(path, eval_dataset=evaluation, tables=tables, min_examples=1)
    assert [(f.diagnostic.code, f.severity) for f in report.findings] == [("E711", "warning")]


def test_a_conversation_with_a_corrected_attempt(tmp_path: Path) -> None:
    record = good(0)
    wrong = copy.deepcopy(record["messages"][-1])
    wrong["weight"] = 0  # the broken attempt is context, not learned: its errors don't count
    wrong["tool_calls"][0]["function"]["arguments"] = '{"steps": [}'
    feedback = {"role": "tool", "tool_call_id": "call_0", "content": '{"errors": []}'}
    record["messages"][2:2] = [wrong, feedback]
    path = write_records(tmp_path / "t.jsonl", [record])
    assert validate_training_file(path, min_examples=1).findings == []
    record["messages"][2]["weight"] = 1
    write_records(path, [record])
    codes = [f.diagnostic.code for f in validate_training_file(path, min_examples=1).findings]
    assert codes == ["E705"]


def test_a_hand_made_file_without_tools_is_checked_against_the_profile_schema(
    tmp_path: Path,
) -> None:
    record = schema_violation()[0]
    del record["tools"], record["parallel_tool_calls"]
    path = write_records(tmp_path / "t.jsonl", [record])
    codes = [f.diagnostic.code for f in validate_training_file(path, min_examples=1).findings]
    assert codes == ["E706"]


def test_an_unreadable_file_is_a_diagnostic(tmp_path: Path) -> None:
    report = validate_training_file(tmp_path / "missing.jsonl")
    assert [f.diagnostic.code for f in report.findings] == ["E715"] and not report.ok


def test_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = write_records(tmp_path / "clean.jsonl", [good(i) for i in range(10)])
    broken = write_records(
        tmp_path / "broken.jsonl", [*non_canonical(), *[good(i) for i in range(1, 10)]]
    )
    assert run_cli(["finetune", "validate", str(clean)]) == 0  # the < 50 warning does not fail
    assert "warning[E712]" in capsys.readouterr().out
    assert run_cli(["finetune", "validate", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "broken.jsonl:1:1: error[E709]" in out and "1 errors" in out
    assert run_cli(["finetune", "validate", str(broken), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["findings"][0]["line"] == 1
    assert report["findings"][0]["code"] == "E709"


def test_json_nested_past_the_decoders_depth_is_a_finding(tmp_path: Path) -> None:
    """Issue 21: a line, or a call's arguments, nested 100,000 deep was a RecursionError
    (`pesql finetune validate` said internal error); each is now the line's finding."""
    deep = "[" * 100_000 + "]" * 100_000
    path = write_records(tmp_path / "t.jsonl", [good(0), deep, with_arguments(deep, 1)])
    report = validate_training_file(path, model="my-local-model", min_examples=1)
    found = {
        (f.line, f.diagnostic.code) for f in report.findings if f.diagnostic.severity == "error"
    }
    assert {(2, "E701"), (3, "E705")} <= found
    assert any("nested too deeply" in str(f) for f in report.findings)


def test_a_tool_schema_that_cannot_be_used_is_a_finding(tmp_path: Path) -> None:
    """Issue 21: a record whose own tool parameters hold a `$ref` to nowhere crashed the
    JSON Schema validator (internal error); it is E702 on the record's `tools`."""
    record = good(0)
    parameters = record["tools"][0]["function"]["parameters"]
    parameters["properties"]["steps"]["items"]["anyOf"][0]["$ref"] = "#/$defs/nowhere"
    path = write_records(tmp_path / "t.jsonl", [record])
    report = validate_training_file(path, model="my-local-model", min_examples=1)
    [found] = [f for f in report.findings if f.diagnostic.code == "E702"]
    assert "no usable JSON Schema" in str(found) and found.pointer == "/tools"
