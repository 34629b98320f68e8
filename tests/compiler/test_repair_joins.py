"""Repair of broken JOIN and LOOKUP calls: the registry's shapes cover the join steps."""

from __future__ import annotations

import json

import pytest
from pesql.compiler.check.schema import Schema
from pesql.compiler.repair.repair import repair
from pesql.grammar.printer import to_text

CATALOG = {
    "flights": Schema.of({"carrier": "string", "dep_delay": "integer"}),
    "airlines": Schema.of({"carrier": "string", "name": "string"}),
}
ON = [{"left": "carrier", "right": "carrier"}]


def _plan(*steps: dict[str, object]) -> str:
    return json.dumps({"table": "flights", "steps": list(steps)})


@pytest.mark.parametrize(
    ("text", "expected", "fixes"),
    [
        (_plan({"op": "join", "table": "airlines", "on": ON}), "JOIN airlines", ["op_case"]),
        # Without `op`, `kind` says it is a JOIN (LOOKUP has no kind).
        (
            _plan({"table": "airlines", "on": ON, "kind": "left"}),
            "JOIN LEFT airlines",
            ["infer_op"],
        ),
        # The kind in another case is read as the declared choice.
        (_plan({"op": "JOIN", "table": "airlines", "on": ON, "kind": "ANTI"}), "JOIN ANTI", []),
        (_plan({"op": "lookup", "table": "airlines", "on": ON}), "LOOKUP airlines", ["op_case"]),
    ],
)
def test_broken_join_calls_are_repaired(text: str, expected: str, fixes: list[str]) -> None:
    result = repair(text, schema=CATALOG)
    assert result.plan is not None
    assert to_text(result.plan).splitlines()[1].startswith(expected)
    assert [f.kind for f in result.fixes] == fixes


def test_a_join_step_without_op_or_kind_is_ambiguous() -> None:
    # {table, on} fits JOIN (kind defaulted) and LOOKUP: two readings, so no trusted plan.
    result = repair(_plan({"table": "airlines", "on": ON}), schema=CATALOG)
    assert result.plan is None and not result.trusted
    assert [d.code for d in result.diagnostics] == ["E402"]
    assert any("JOIN airlines" in h for h in result.diagnostics[0].hints)
    assert any("LOOKUP airlines" in h for h in result.diagnostics[0].hints)
