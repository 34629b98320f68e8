"""Export: the format, the stratified split, and parity with what the ask loop sends."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from pesql.grammar.forms import to_form
from pesql.grammar.jsonform import dumps, from_json
from pesql.grammar.jsonschema import offered_columns
from pesql.runtime.evals.datasets.load import load_dataset
from pesql.runtime.finetune.export import (
    example_catalog,
    export_dataset,
    stratified_split,
    stratum,
)
from pesql.runtime.finetune.validate import validate_training_file
from pesql.runtime.llm.ask import ask
from pesql.runtime.llm.profile import Profile
from pesql.runtime.llm.prompt import SYSTEM_PROMPT
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, ToolCall

from tests.runtime.ask_fixtures import FAST
from tests.runtime.finetune_fixtures import QUESTIONS, exported, make_dataset, records

ROOT = Path(__file__).resolve().parents[2]
TABLES_QA = ROOT / "examples" / "datasets" / "tables-qa"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as running:
        yield running


RENAMED = Profile(name="renamed", renames={"SUB_ABS": "ABS_DIFF", "AGGREGATE": "SUMMARIZE"})


def test_a_line_is_system_user_and_the_gold_call(tmp_path: Path) -> None:
    dataset, out = exported(tmp_path, val_fraction=0.0)
    first = records(out / "train.jsonl")[0]
    assert list(first) == ["messages", "tools", "parallel_tool_calls"]
    assert first["parallel_tool_calls"] is False
    system, user, assistant = first["messages"]
    assert (system["role"], user["role"], assistant["role"]) == ("system", "user", "assistant")
    assert user["content"] == QUESTIONS[0][0]
    assert "Table `penguins` (5 rows, 5 columns)" in system["content"]
    assert list(assistant) == ["role", "tool_calls"]
    (call,) = assistant["tool_calls"]
    assert call["type"] == "function" and call["function"]["name"] == "query_table"
    gold = load_dataset(dataset).examples[0].plan
    assert gold is not None
    # The strict tree form: every property, calls positional (grammar/positional.py).
    assert call["function"]["arguments"] == dumps(to_form(gold, "tree", full=True))
    assert offered_columns(first["tools"][0]["function"]["parameters"]) == [
        "species", "island", "bill_length_mm", "bill_depth_mm", "body_mass_g",
    ]  # fmt: skip
    assert not (out / "validation.jsonl").exists()


def test_arguments_follow_the_profile_naming(tmp_path: Path) -> None:
    questions = (("Bill gap?", "DERIVE gap = SUB_ABS(bill_length_mm, bill_depth_mm)"),) * 1
    make_dataset(tmp_path / "ds", (*questions, ("How many?", "AGGREGATE n = COUNT(*)")))
    export_dataset(tmp_path / "ds", tmp_path / "ft", RENAMED, val_fraction=0.0)
    gap, count = records(tmp_path / "ft" / "train.jsonl")
    arguments = gap["messages"][-1]["tool_calls"][0]["function"]["arguments"]
    assert '"op":"ABS_DIFF"' in arguments and "SUB_ABS" not in arguments
    assert '"op":"SUMMARIZE"' in count["messages"][-1]["tool_calls"][0]["function"]["arguments"]
    assert "ABS_DIFF" in json.dumps(gap["tools"]) and "SUB_ABS" not in json.dumps(gap["tools"])
    plan = from_json(arguments, RENAMED.naming)
    # Canonical in the renamed form.
    assert dumps(to_form(plan, "tree", RENAMED.naming, full=True)) == arguments


def test_the_split_is_deterministic_stratified_and_complete(tmp_path: Path) -> None:
    dataset = load_dataset(make_dataset(tmp_path / "ds"))
    summary = export_dataset(dataset, tmp_path / "a", val_fraction=0.3, seed=5)
    again = export_dataset(dataset, tmp_path / "b", val_fraction=0.3, seed=5)
    other = export_dataset(dataset, tmp_path / "c", val_fraction=0.3, seed=6)
    assert (summary.train_ids, summary.validation_ids) == (again.train_ids, again.validation_ids)
    assert (tmp_path / "a" / "train.jsonl").read_bytes() == (
        tmp_path / "b" / "train.jsonl"
    ).read_bytes()
    assert summary.validation_ids != other.validation_ids
    assert sorted(summary.train_ids + summary.validation_ids) == sorted(
        e.id for e in dataset.examples
    )
    assert len(summary.validation_ids) == round(len(QUESTIONS) * 0.3)
    # Strata with several examples give their share; none is all in validation.
    by_id = {e.id: stratum(e.plan) for e in dataset.examples if e.plan is not None}
    held = Counter(by_id[i] for i in summary.validation_ids)
    sizes = Counter(by_id.values())
    assert all(held[k] < sizes[k] or sizes[k] == 1 for k in held)


@pytest.mark.parametrize(
    ("sizes", "fraction", "held"),
    [({"A": 10, "B": 10}, 0.2, {"A": 2, "B": 2}), ({"A": 9, "B": 1}, 0.1, {"A": 1, "B": 0})],
)
def test_each_stratum_gives_its_share(
    sizes: dict[str, int], fraction: float, held: dict[str, int]
) -> None:
    items = [(f"{k}{i:02d}", k) for k, n in sizes.items() for i in range(n)]
    _train, validation = stratified_split(items, fraction, seed=1)
    assert Counter(i[0] for i in validation) == Counter({k: v for k, v in held.items() if v})


def test_a_bad_fraction_is_a_diagnostic(tmp_path: Path) -> None:
    from pesql.grammar.diagnostics import PesqlError

    with pytest.raises(PesqlError) as caught:
        export_dataset(make_dataset(tmp_path / "ds"), tmp_path / "ft", val_fraction=1.5)
    assert caught.value.codes == ("E155",)


@pytest.mark.parametrize("profile", [FAST, dataclasses.replace(FAST, verbosity="full"), RENAMED])
def test_parity_with_the_request_the_ask_loop_sends(
    tmp_path: Path,
    server: FakeOpenAI,
    profile: Profile,
) -> None:
    dataset_path, out = exported(tmp_path, profile=profile, val_fraction=0.0)
    dataset = load_dataset(dataset_path)
    for index in (0, 5):  # an AGGREGATE and a FILTER with a text literal
        example, record = dataset.examples[index], records(out / "train.jsonl")[index]
        gold = record["messages"][-1]["tool_calls"][0]["function"]["arguments"]
        server.script(ToolCall(gold))
        catalog = example_catalog(dataset, example)
        result = ask(example.question, catalog, server.client(), "gpt-4o-mini", profile)
        sent = server.chat_requests[-1].body
        assert sent["messages"] == record["messages"][:-1]
        assert sent["tools"] == record["tools"]
        assert sent["tool_choice"]["function"]["name"] == record["tools"][0]["function"]["name"]
        assert result.plan == example.plan  # the gold answer is what the loop accepts


def test_a_custom_system_prompt_is_exported_as_sent(tmp_path: Path) -> None:
    profile = Profile(system_prompt="Plans only, via {function}.\n{overview}")
    _dataset, out = exported(tmp_path, profile=profile, val_fraction=0.0)
    system = records(out / "train.jsonl")[0]["messages"][0]["content"]
    assert system.startswith("Plans only, via query_table.\nTable `penguins`")
    assert SYSTEM_PROMPT.split("{function}")[0] not in system


def test_export_then_validate_is_clean(tmp_path: Path) -> None:
    dataset, out = exported(tmp_path, val_fraction=0.2, seed=1)
    for name, minimum in (("train.jsonl", 10), ("validation.jsonl", 1)):
        report = validate_training_file(out / name, tables=dataset / "tables", min_examples=minimum)
        assert report.errors == [], "\n".join(map(str, report.errors))
        assert report.examples == len(records(out / name))


def test_the_bundled_dataset_exports_and_validates(tmp_path: Path) -> None:
    summary = export_dataset(TABLES_QA, tmp_path, val_fraction=0.1, seed=0)
    dataset = load_dataset(TABLES_QA)
    assert len(summary.train_ids) + len(summary.validation_ids) == len(
        [e for e in dataset.examples if e.plan is not None]
    )
    report = validate_training_file(summary.train, tables=TABLES_QA / "tables")
    codes = {f.diagnostic.code for f in report.findings}
    # Only type-check failures of gold plans (tracked by the dataset's owners) may be errors.
    assert {f.diagnostic.code for f in report.errors} <= {"E708"}, "\n".join(
        map(str, report.errors[:5])
    )
    assert codes <= {"E708", "E714", "E712"}
    assert report.examples == len(summary.train_ids)


def test_the_join_dataset_exports_and_validates(tmp_path: Path) -> None:
    """flights-qa: each line's overview covers the question's tables and their related keys,
    its tool offers their names, and the gold JOIN/LOOKUP plans check against them."""
    flights_qa = TABLES_QA.parent / "flights-qa"
    summary = export_dataset(flights_qa, tmp_path, val_fraction=0.1, seed=0)
    dataset = load_dataset(flights_qa)
    assert len(summary.train_ids) + len(summary.validation_ids) == len(dataset.examples)
    assert any("LOOKUP" in stratum for stratum in summary.strata)
    by_id = {e.id: e for e in dataset.examples}
    for record, ident in zip(records(summary.train), summary.train_ids, strict=True):
        system = record["messages"][0]["content"]
        for table in by_id[ident].tables:
            assert f"Table `{table}`" in system, ident
        assert "Keys that look related" in system, ident
        parameters = record["tools"][0]["function"]["parameters"]
        assert sorted(parameters["$defs"]["table"]["enum"]) == sorted(by_id[ident].tables)
    report = validate_training_file(summary.train, tables=flights_qa / "tables")
    assert report.errors == [], "\n".join(map(str, report.errors[:5]))
    assert report.examples == len(summary.train_ids)
