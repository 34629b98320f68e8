"""Wire forms (grammar/forms.py): every form lowers to the same AST, points into its strings,
and is read leniently where that is unambiguous (steps as strings under every form)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.formdefs import form_definition, form_schema
from pesql.grammar.forms import FORMS, Form, from_form, to_form
from pesql.grammar.jsonform import dumps, from_json, to_json
from pesql.grammar.parse import parse, parse_expr, parse_step
from pesql.grammar.registry import Naming, all_ops
from pesql.grammar.subsets import CORE_FUNCTIONS, offered_ops, syntax_ops
from pesql.runtime.testing.strategies.syntax import plans


@pytest.mark.parametrize("form", FORMS)
@given(plan=plans())
def test_every_form_round_trips(form: Form, plan: A.Plan) -> None:
    for full in (False, True):
        document = to_form(plan, form, full=full)
        assert from_form(document, form) == plan
        assert from_form(dumps(document), form) == plan
        # Canonical in each form is a fixed point.
        assert to_form(from_form(document, form), form, full=full) == document


@given(plan=plans())
def test_short_tree_json_leaves_out_only_defaults(plan: A.Plan) -> None:
    short, full = dumps(to_form(plan, "tree")), dumps(to_json(plan))
    assert len(short) <= len(full)
    # Strict mode's tree: every call but IN and CASE is one positional `args` object.
    strict = to_form(plan, "tree", full=True)
    assert all(_positional(v) for v in _objects(strict["steps"]))
    assert from_json(json.loads(short)) == plan


def _objects(value: object) -> list[dict[str, object]]:
    if isinstance(value, list):
        return [o for v in value for o in _objects(v)]
    if isinstance(value, dict):
        return [value] + [o for v in value.values() for o in _objects(v)]
    return []


def _positional(value: dict[str, object]) -> bool:
    from pesql.grammar.registry import lookup

    spec = lookup(str(value.get("op", "")))
    if spec is None or spec.category == "step" or spec.name in ("IN", "CASE"):
        return True
    return set(value) == {"op", "args"}


def test_the_issue_examples_lower_to_one_plan() -> None:
    text = "FILTER x > 3\nGROUP_BY a COMPUTE n = COUNT(*)"
    expected = parse(text)
    documents: dict[Form, object] = {
        "tree": to_json(expected),
        "compact": {
            "steps": [
                {"op": "FILTER", "where": "x > 3"},
                {
                    "op": "GROUP_BY",
                    "keys": ["a"],
                    "aggregates": [{"name": "n", "expr": "COUNT(*)"}],
                },
            ]
        },
        "steps": {"steps": ["FILTER x > 3", "GROUP_BY a COMPUTE n = COUNT(*)"]},
        "text": {"plan": text},
    }
    for form, document in documents.items():
        assert from_form(document, form) == expected, form


def test_steps_as_strings_are_read_under_the_tree_form() -> None:
    # The model's natural tendency (E154 before issue 17).
    plan = from_form({"table": None, "steps": ["FROM cars", "FILTER hp > 100", "LIMIT 2"]})
    assert plan == parse("FROM cars\nFILTER hp > 100\nLIMIT 2")


def test_a_string_is_a_column_in_tree_and_an_expression_in_compact() -> None:
    step = {"steps": [{"op": "DERIVE", "columns": [{"name": "y", "expr": "a + 1"}]}]}
    compact = from_form(step, "compact").steps[0]
    tree = from_form(step, "tree").steps[0]
    assert compact == parse_step("DERIVE y = a + 1")
    assert tree == parse_step("DERIVE y = `a + 1`")  # a column with an odd name


@pytest.mark.parametrize(
    ("form", "document", "code", "where"),
    [
        ("compact", {"steps": [{"op": "FILTER", "where": "a == 3"}]}, "E101", "/steps/0/where 1:4"),
        ("steps", {"steps": ["LIMIT 2", "FILTER a >"]}, "E103", "/steps/1 1:11"),
        ("text", {"plan": "FILTER a > 3\nDERIVE x = ABS_DIF(a)"}, "E104", "/plan 2:12"),
        ("tree", {"steps": ["SORT a", "FILTRE a > 1"]}, "E107", "/steps/1 1:1"),
    ],
)
def test_diagnostics_point_into_the_string(
    form: Form, document: object, code: str, where: str
) -> None:
    with pytest.raises(PesqlError) as info:
        from_form(document, form)
    found = {d.code: d.where() for d in info.value.diagnostics}
    assert found.get(code) == where, info.value


def test_nodes_read_from_strings_carry_the_string_and_the_span() -> None:
    plan = from_form({"steps": [{"op": "FILTER", "where": "a > 3"}]}, "compact")
    origin = plan.steps[0].where.origin  # type: ignore[attr-defined]
    assert isinstance(origin, A.InString)
    assert str(origin) == "/steps/0/where 1:1"


def test_unknown_properties_of_the_text_form_are_reported() -> None:
    with pytest.raises(PesqlError) as info:
        from_form({"plan": "LIMIT 1", "extra": 1}, "text")
    assert info.value.codes == ("E153",)


def test_parser_entry_rules() -> None:
    assert parse_expr("SUB_ABS(a, b) > 2") == parse("FILTER SUB_ABS(a, b) > 2").steps[0].where  # type: ignore[attr-defined]
    assert parse_step("FROM t") == ("from", "t")
    with pytest.raises(PesqlError):
        parse_step("LIMIT 1 LIMIT 2")  # one step per string


def test_renamed_functions_are_read_in_strings() -> None:
    naming = Naming(renames={"SUB_ABS": "ABS_DIFF"})
    plan = from_form({"plan": "DERIVE g = ABS_DIFF(a, b)"}, "text", naming)
    assert plan == parse("DERIVE g = SUB_ABS(a, b)")


# --- operation subsets -----------------------------------------------------------------


def test_an_operation_outside_the_subset_names_the_closest_offered() -> None:
    offered = offered_ops(["ABS", "ROUND"])
    with pytest.raises(PesqlError) as info:
        from_form({"plan": "DERIVE g = SUB_ABS(a, b)"}, "text", offered=offered)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "E159"
    assert diagnostic.where() == "/plan 1:12"
    assert "ABS" in diagnostic.hints[0]


def test_every_subset_keeps_the_syntax() -> None:
    assert syntax_ops() <= offered_ops("core") <= offered_ops("all")
    assert {"FILTER", "EQ", "AND", "CASE"} <= offered_ops([])
    with pytest.raises(PesqlError) as info:
        offered_ops(["SUBABS"])
    assert info.value.codes == ("E155",)
    with pytest.raises(PesqlError):
        offered_ops("most")


def _gold_usage() -> dict[str, int]:
    from pathlib import Path

    from pesql.grammar.registry import spec_of

    root = Path(__file__).resolve().parents[2] / "examples" / "datasets"
    usage: dict[str, int] = {}
    for name in ("tables-qa", "eval-set"):
        for line in (root / name / "examples.jsonl").read_text().splitlines():
            plan = from_json(json.loads(line)["plan"])
            used = {spec_of(n).name for n in plan.walk() if isinstance(n, A.Call | A.Step)}
            for op in used:
                usage[op] = usage.get(op, 0) + 1
    return usage


def test_core_is_what_the_gold_plans_use() -> None:
    # `core` was measured: every function in it is used by at least 5 gold plans, and no
    # function used by 10 or more is left out (a margin, so a new example does not flip it).
    usage = _gold_usage()
    rare = [f for f in CORE_FUNCTIONS if usage.get(f, 0) < 5]
    assert not rare, rare
    missing = [op for op, n in usage.items() if n >= 10 and op not in offered_ops("core")]
    assert not missing, missing
    assert 20 <= len(CORE_FUNCTIONS) <= 35


@pytest.mark.parametrize("form", FORMS)
def test_core_definitions_hold_only_core_operations(form: Form) -> None:
    core = offered_ops("core")
    for strict in (True, False):
        text = json.dumps(form_definition(form, strict=strict, offered=core))
        assert "REGEXP_REPLACE" not in text and "SUB_ABS" in text
        assert "REGEXP_REPLACE" in json.dumps(form_definition(form, strict=strict))


def test_string_form_schemas_are_strict_mode_shaped() -> None:
    for form in ("compact", "steps", "text"):
        schema = form_schema(form, True, None)  # type: ignore[arg-type]
        assert schema["additionalProperties"] is False
        assert set(schema["required"]) == set(schema["properties"])


def test_the_text_grammar_export_parses_what_parse_reads() -> None:
    from lark import Lark
    from pesql.grammar.exports import export_text_lark

    parser = Lark(export_text_lark(), parser="lalr", lexer="contextual")
    assert parser.parse("FROM t\nFILTER a > 1\nGROUP_BY a COMPUTE n = COUNT(*)")
    with pytest.raises(Exception, match="Unexpected"):
        parser.parse("FILTER a == 1")


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("verbosity", ["none", "short", "full"])
def test_core_definitions_name_no_function_outside_core(form: Form, verbosity: str) -> None:
    """The examples and descriptions a core definition shows use only core functions: a model
    that copies an example (`WINDOW rank = RANK() ...`) must not be refused for it."""
    core = offered_ops("core")
    functions = {
        naming_name
        for spec in all_ops()
        if spec.category != "step" and spec.syntax == "call"
        for naming_name in (spec.name, *spec.aliases)
    }
    for strict in (True, False):
        definition = form_definition(form, strict=strict, offered=core, verbosity=verbosity)  # type: ignore[arg-type]
        words = set(re.findall(r"\b[A-Z][A-Z0-9_]*\b", json.dumps(definition)))
        assert not {w for w in words & functions if w not in core}, (form, strict)


@pytest.mark.parametrize("form", ["steps", "text"])
@given(plan=plans())
def test_strings_are_placed_as_by_their_spans(form: Form, plan: A.Plan) -> None:
    # A one-line string hands the reader's offsets to its place (`_Inside.offsets`) instead of
    # a Span: every node must land where wrapping its Span puts it (origins are left out of
    # equality, so they are compared here one by one).
    from pesql.grammar import forms

    document = to_form(plan, form)
    fast = from_form(document, form)
    offsets = forms._Inside.offsets
    try:
        del forms._Inside.offsets
        slow = from_form(document, form)
    finally:
        forms._Inside.offsets = offsets  # type: ignore[method-assign]
    pairs = list(zip(fast.walk(), slow.walk(), strict=True))
    assert pairs and all(a.origin == b.origin for a, b in pairs)
    assert all(isinstance(a.origin, A.InString) for a, _ in pairs[1:])
