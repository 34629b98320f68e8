"""Fine-tuning data in each wire form: exported canonical in the profile's form, validated by
`pesql finetune validate` with the same profile, refused under another form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pesql.grammar.forms import Form, from_form
from pesql.runtime.finetune.export import export_dataset
from pesql.runtime.finetune.validate import validate_training_file
from pesql.runtime.llm.profile import Profile

DATASET = Path(__file__).resolve().parents[2] / "examples" / "datasets" / "eval-set"


@pytest.mark.parametrize("form", ["tree", "compact", "steps", "text"])
@pytest.mark.parametrize("strict", [True, False])
def test_export_in_each_form_validates(tmp_path: Path, form: Form, strict: bool) -> None:
    profile = Profile(form=form, strict=strict)
    summary = export_dataset(DATASET, tmp_path, profile, val_fraction=0.0)
    report = validate_training_file(summary.train, profile=profile, tables=DATASET / "tables")
    assert report.ok, [f.diagnostic.message for f in report.findings][:3]
    record = json.loads(summary.train.read_text().splitlines()[0])
    arguments = json.loads(record["messages"][-1]["tool_calls"][0]["function"]["arguments"])
    assert from_form(arguments, form).steps
    if form == "text":
        assert set(arguments) == {"plan"}
    if form == "tree" and not strict:
        assert "null" not in json.dumps(arguments)  # the short canonical JSON
    tool = record["tools"][0]["function"]
    assert tool.get("strict", False) is strict


def test_a_file_in_another_form_is_not_canonical(tmp_path: Path) -> None:
    summary = export_dataset(DATASET, tmp_path, Profile(form="compact"), val_fraction=0.0)
    tables = DATASET / "tables"
    report = validate_training_file(summary.train, profile=Profile(form="tree"), tables=tables)
    assert not report.ok
    # Compact step objects (`{"AGGREGATE": "n = COUNT(*)"}`) are read under every form, but
    # under the tree form they are not its canonical arguments (E709).
    assert {f.diagnostic.code for f in report.findings} == {"E709"}


def test_the_older_compact_shape_is_read_but_not_canonical() -> None:
    # Models trained on `{"op": ..., "where": "..."}` still get their plans read.
    from pesql.grammar.forms import from_form, to_form

    old = {"steps": [{"op": "FILTER", "where": "x > 1"}, {"op": "LIMIT", "count": 2}]}
    plan = from_form(old, "compact")
    assert to_form(plan, "compact") == {"steps": [{"FILTER": "x > 1"}, {"LIMIT": 2}]}
