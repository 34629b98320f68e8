"""Exhaustiveness: every registered operation is declared completely, parses, prints, round-trips.

A failure names the operation and what is missing, so adding an op is: declaration,
lowerings, one test row.
"""

from __future__ import annotations

import dataclasses
import typing

import pytest
from pesql.grammar import ast as A
from pesql.grammar import declare
from pesql.grammar.jsonform import dumps, from_json, to_json
from pesql.grammar.parse import parse, parse_expr
from pesql.grammar.printer import expr_text, to_text
from pesql.grammar.registry import Naming, all_ops, lookup, spec_of

ALL = list(all_ops())


def test_registry_is_populated() -> None:
    names = {s.name for s in ALL}
    assert {"FILTER", "SUB_ABS", "GROUP_BY", "WINDOW", "RANK", "QUANTILE", "CASE"} <= names
    assert len(names) == len(ALL)


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_declaration_is_complete(spec: object) -> None:
    from pesql.grammar.registry import OpSpec

    assert isinstance(spec, OpSpec)
    assert spec.describe.strip(), f"{spec.name}: no description for the model"
    assert spec.example.strip(), f"{spec.name}: no example"
    if spec.category != "step":
        assert spec.signature is not None, f"{spec.name}: no type signature"


def _example_node(spec: object) -> A.Node:
    from pesql.grammar.registry import OpSpec

    assert isinstance(spec, OpSpec)
    if spec.category == "step":
        plan = parse(spec.example)
        assert len(plan.steps) == 1, f"{spec.name}: example is not one step"
        return plan.steps[0]
    expr = parse_expr(spec.example)
    # The example must use the op itself (at the root or inside, e.g. AND in a comparison).
    return expr


def _contains(node: A.Node, cls: type) -> bool:
    if isinstance(node, cls):
        return True
    from pesql.grammar.registry import fields_of

    for f in fields_of(type(node)):
        value = getattr(node, f.name)
        items = value if isinstance(value, tuple) else (value,)
        if any(isinstance(v, A.Node) and _contains(v, cls) for v in items):
            return True
    return False


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_example_parses_to_the_op_and_round_trips_in_both_forms(spec: object) -> None:
    from pesql.grammar.registry import OpSpec

    assert isinstance(spec, OpSpec)
    node = _example_node(spec)
    assert _contains(node, spec.cls), f"{spec.name}: example `{spec.example}` does not use it"
    if isinstance(node, A.Step):
        plan = A.Plan(steps=(node,))
    else:
        plan = A.Plan(steps=(parse(f"DERIVE x = {spec.example}").steps[0],))
    assert parse(to_text(plan)) == plan, f"{spec.name}: text round trip"
    assert from_json(dumps(to_json(plan))) == plan, f"{spec.name}: JSON round trip"


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_documented_in_language_reference(spec: object) -> None:
    from pathlib import Path

    from pesql.grammar.registry import OpSpec

    assert isinstance(spec, OpSpec)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "language.md").read_text("utf-8")
    assert f"### {spec.name}" in doc, f"{spec.name}: missing from docs/language.md (run make docs)"


def test_lookup_is_case_insensitive_and_knows_aliases() -> None:
    assert lookup("sub_abs") is lookup("SUB_ABS") is lookup("ABS_DIFF")
    assert lookup("nope") is None


def test_every_spelling_looks_up_alike_under_every_naming() -> None:
    # `lookup` answers a canonical name as written from the registry at once (no naming, or
    # one without renames and aliases): what the spelling rules give it, for every spelling.
    from pesql.grammar.declare import _ALIASES, _REGISTRY

    assert not set(_ALIASES) & set(_REGISTRY)  # what makes the shortcut exact
    renamed = Naming(renames={"SUB_ABS": "GAP"}, aliases={"KEEP": "FILTER"})
    for spec in all_ops():
        for spelling in (spec.name, spec.name.lower(), spec.name.replace("_", " "), *spec.aliases):
            for naming in (None, Naming()):
                assert lookup(spelling, naming) is spec, (spelling, naming)
            assert lookup(spelling, renamed) is spec
    assert lookup("GAP", renamed) is lookup("SUB_ABS") and lookup("keep", renamed).name == "FILTER"


def test_profile_rename_changes_the_wire_name_not_the_ast() -> None:
    naming = Naming(renames={"SUB_ABS": "ABS_GAP"})
    assert naming.validate() == []
    plan = parse("DERIVE g = SUB_ABS(a, b)")
    document = to_json(plan, naming)
    assert document["steps"][0]["columns"][0]["expr"]["op"] == "ABS_GAP"
    assert from_json(document, naming) == plan
    assert spec_of(plan.steps[0]).name == "DERIVE"


def test_naming_validation_reports_clashes() -> None:
    problems = Naming(renames={"SUB_ABS": "ABS", "NOPE": "X"}).validate()
    assert any("already names ABS" in p for p in problems)
    assert any("unknown operation NOPE" in p for p in problems)


def test_expr_text_parenthesizes_by_precedence() -> None:
    assert expr_text(parse_expr("(a + b) * c")) == "(a + b) * c"
    assert expr_text(parse_expr("a - (b - c)")) == "a - (b - c)"
    assert expr_text(parse_expr("(a - b) - c")) == "a - b - c"
    assert expr_text(parse_expr("NOT (a AND b)")) == "NOT (a AND b)"


def test_field_types_are_what_get_type_hints_reads() -> None:
    # declare.fields_of evaluates each annotation text once per module (start-up, issue 20)
    # instead of typing.get_type_hints per class: the types must be the same.
    classes = [spec.cls for spec in all_ops()] + list(A.RECORD_TYPES)
    checked = 0
    for cls in classes:
        hints = typing.get_type_hints(cls, include_extras=True)
        for f in dataclasses.fields(cls):
            assert declare._field_type(cls, f.name, f.type) == hints[f.name], (cls, f.name)
            checked += 1
    assert checked > 250
