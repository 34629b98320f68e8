"""Every form's function definition is accepted by OpenAI strict mode's rules and by what
llama.cpp's json_schema_to_grammar reads (the keywords below), for every subset.

The rules (OpenAI "Structured Outputs", supported schemas): the root is an object, not
`anyOf`; every object has `additionalProperties: false` and lists every property as required
(an optional one admits null); only the keywords below; `$ref` only to `#/$defs/...`; at
most 10 levels of nesting, 5,000 properties, 1,000 enum values, and 15,000 characters of
property names, definition names and enum values. llama.cpp reads the same keywords (type
lists included), so a definition valid here constrains a local server as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from pesql.grammar.formdefs import form_definition
from pesql.grammar.forms import FORMS, Form
from pesql.grammar.subsets import offered_ops

KEYWORDS = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "anyOf",
    "enum",
    "$ref",
    "$defs",
    "description",
}
JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def _nodes(node: Any, depth: int = 0) -> Iterator[tuple[dict[str, Any], int]]:
    if not isinstance(node, dict):
        return
    yield node, depth
    for child in node.get("properties", {}).values():
        yield from _nodes(child, depth + 1)
    for child in node.get("anyOf", []):
        yield from _nodes(child, depth)
    if "items" in node:
        yield from _nodes(node["items"], depth + 1)
    for child in node.get("$defs", {}).values():
        yield from _nodes(child, 1)


def strict_problems(schema: dict[str, Any], strict: bool = True) -> list[str]:
    """What strict mode (or, with `strict` False, llama.cpp's reader) would refuse."""
    problems = []
    defs = schema.get("$defs", {})
    if schema.get("type") != "object" or "anyOf" in schema:
        problems.append("the root must be an object")
    properties = enums = chars = deepest = 0
    chars += sum(len(name) for name in defs)
    for node, depth in _nodes(schema):
        deepest = max(deepest, depth)
        if extra := set(node) - KEYWORDS:
            problems.append(f"keywords strict mode refuses: {sorted(extra)}")
        kinds = node.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if set(kinds) - JSON_TYPES:
            problems.append(f"unknown type {kinds}")
        ref = node.get("$ref")
        if ref and (not ref.startswith("#/$defs/") or ref.removeprefix("#/$defs/") not in defs):
            problems.append(f"unresolved $ref {ref}")
        if "enum" in node:
            enums += len(node["enum"])
            chars += sum(len(str(v)) for v in node["enum"])
            if (None in node["enum"]) != ("null" in kinds) and kinds:
                problems.append(f"enum and type disagree on null: {node}")
        if "properties" in node or "object" in kinds:
            props = node.get("properties", {})
            properties += len(props)
            chars += sum(len(p) for p in props)
            if strict and node.get("additionalProperties") is not False:
                problems.append(f"object without additionalProperties false: {sorted(props)}")
            if strict and set(node.get("required", [])) != set(props):
                problems.append(f"not every property required: {sorted(props)}")
    if deepest > 10:
        problems.append(f"nesting {deepest} > 10")
    if properties > 5000 or enums > 1000 or chars > 15000:
        problems.append(f"too large: {properties} properties, {enums} enum values, {chars}")
    return problems


@pytest.mark.parametrize("subset", ["all", "core"])
@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("form", FORMS)
def test_definitions_follow_the_strict_mode_rules(form: Form, strict: bool, subset: str) -> None:
    offered = None if subset == "all" else offered_ops(subset)
    for tables in (["t"], ["t", "u"], None):
        definition = form_definition(form, strict=strict, offered=offered, tables=tables)
        schema = definition["function"]["parameters"]
        assert strict_problems(schema, strict) == [], (form, strict, subset, tables)
        referenced = {r.removeprefix("#/$defs/") for r in _refs(schema)}
        assert set(schema.get("$defs", {})) == referenced, "a definition nothing refers to"
        assert definition["function"].get("strict", False) is strict
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_checker_finds_what_strict_mode_refuses() -> None:
    closed = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert strict_problems(closed)  # no additionalProperties, nothing required
    assert not strict_problems(closed, strict=False)
    ok = {**closed, "required": ["a"], "additionalProperties": False}
    assert strict_problems(ok) == []
    assert strict_problems({**ok, "required": []})
    assert strict_problems({**ok, "properties": {"a": {"type": "string", "pattern": "x"}}})
    assert strict_problems({**ok, "properties": {"a": {"$ref": "#/$defs/missing"}}})
    nullable = {"type": ["string", "null"], "enum": ["A"]}
    assert strict_problems({**ok, "properties": {"a": nullable}})
    assert strict_problems({"anyOf": [ok]})


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_join_definitions_come_only_with_a_second_table() -> None:
    def defs(tables: list[str]) -> set[str]:
        schema = form_definition("tree", strict=True, tables=tables)["function"]["parameters"]
        return set(schema["$defs"])

    assert {"table", "join_key"} <= defs(["t", "u"])
    assert not {"table", "join_key"} & defs(["t"])
