"""Positional calls (grammar/positional.py): the strict tree form's one generic call object."""

from __future__ import annotations

import pytest
from hypothesis import given
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.formdefs import form_definition
from pesql.grammar.forms import from_form, to_form
from pesql.grammar.jsonform import to_json
from pesql.grammar.parse import parse
from pesql.grammar.registry import Naming
from pesql.runtime.testing.strategies.syntax import plans


def _where(document: object) -> list[tuple[str, str]]:
    with pytest.raises(PesqlError) as caught:
        from_form(document, "tree")
    return [(d.code, str(d.origin)) for d in caught.value.diagnostics]


def _filter(where: object) -> dict[str, object]:
    return {"steps": [{"op": "FILTER", "where": where}]}


def test_positional_and_named_calls_lower_alike() -> None:
    expected = parse("FILTER SUB_ABS(a, b) > 3 AND ROUND(x) = 1")
    positional = {
        "op": "AND",
        "args": [
            {"op": "GT", "args": [{"op": "SUB_ABS", "args": ["a", "b"]}, 3]},
            {"op": "EQ", "args": [{"op": "ROUND", "args": ["x", None]}, 1]},
        ],
    }
    assert from_form(_filter(positional), "tree") == expected
    assert from_form(to_json(expected), "tree") == expected


def test_trailing_defaults_are_left_out_and_interior_ones_written() -> None:
    plan = parse("AGGREGATE n = COUNT(*), m = COUNT(where => y > 1), r = ROUND(x)")
    aggregates = to_form(plan, "tree", full=True)["steps"][0]["aggregates"]
    assert [a["expr"] for a in aggregates] == [
        {"op": "COUNT", "args": []},
        {"op": "COUNT", "args": [None, {"op": "GT", "args": ["y", 1]}]},
        {"op": "ROUND", "args": ["x"]},
    ]


def test_diagnostics_name_the_position() -> None:
    missing = _filter({"op": "GT", "args": ["x", {"op": "SUB_ABS", "args": ["a"]}]})
    assert ("E152", "/steps/0/where/args/1") in _where(missing)
    unknown = _filter({"op": "GT", "args": ["x", {"op": "NOPE", "args": []}]})
    assert ("E151", "/steps/0/where/args/1/op") in _where(unknown)
    too_many = _filter({"op": "GT", "args": ["x", 1, 2]})
    assert _where(too_many) == [("E155", "/steps/0/where/args")]


def test_nodes_point_at_their_position() -> None:
    plan = from_form(_filter({"op": "GT", "args": ["x", 3]}), "tree")
    where = plan.steps[0].where  # type: ignore[attr-defined]
    assert where.origin == A.Pointer("/steps/0/where")
    assert where.right.origin == A.Pointer("/steps/0/where/args/1")


def test_renamed_calls_are_positional_too() -> None:
    naming = Naming(renames={"SUB_ABS": "ABS_DIFF"})
    plan = parse("DERIVE d = SUB_ABS(a, b)")
    document = to_form(plan, "tree", naming, full=True)
    assert document["steps"][0]["columns"][0]["expr"] == {"op": "ABS_DIFF", "args": ["a", "b"]}
    assert from_form(document, "tree", naming) == plan


def test_the_strict_tree_definition_holds_one_generic_call() -> None:
    definition = form_definition("tree", strict=True)["function"]
    defs = definition["parameters"]["$defs"]
    assert "SUB_ABS" in defs["call"]["properties"]["op"]["enum"]
    named = [d["properties"]["op"]["enum"] for k, d in defs.items() if k.startswith("call")]
    assert sorted(n for names in named for n in names if n in ("IN", "CASE")) == ["CASE", "IN"]
    assert "SUB_ABS(left, right)" in definition["description"]


@given(plan=plans())
def test_strict_tree_arguments_validate_against_the_strict_schema(plan: A.Plan) -> None:
    import jsonschema

    schema = form_definition("tree", strict=True)["function"]["parameters"]
    jsonschema.validate(to_form(plan, "tree", full=True), schema)
