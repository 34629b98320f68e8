"""The tool's JSON Schema as the fine-tuning validator uses it: relaxed, and walked for columns.

    >>> import pesql
    >>> from pesql.grammar.jsonform import dumps, to_json
    >>> from pesql.grammar.jsonschema import plan_schema
    >>> schema = plan_schema(["price", "cost"])
    >>> relaxed_validator(dumps(schema))[1] is None  # pesql's own schema: no closed enum
    True
    >>> schema["$defs"]["column"] = {"type": "string", "enum": ["price", "cost"]}  # a closed one
    >>> validator, columns = relaxed_validator(dumps(schema))
    >>> sorted(columns)
    ['cost', 'price']
    >>> plan = to_json(pesql.parse("DERIVE gap = SUB_ABS(price, cost) SORT gap DESC"))
    >>> best_error(validator, plan) is None  # the structure fits; any column name is allowed
    True
    >>> outside_enum(schema, plan, columns)  # but strict decoding could not write `gap` here
    [('/steps/1/keys/0/column', 'gap')]
    >>> best_error(validator, {"steps": []}).message
    "'table' is a required property"

Column names are left open in the relaxed schema (E706 is about structure); which names fall
outside the strict enum is found by walking the value along the schema (E714), and whether a
name exists at that step is the type checker's question (E708), which gives better hints.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from pesql.grammar.jsonform import json_type

__all__ = ["best_error", "outside_enum", "relaxed_validator"]


@lru_cache(maxsize=64)
def relaxed_validator(parameters: str) -> tuple[Any, frozenset[str] | None]:
    """A validator of the schema with a closed column enum removed (built once per schema), and
    that enum: unknown columns are the type checker's to report, with better hints.

    pesql's own definitions offer the table's columns beside any other name (columns created
    by earlier steps), so there is nothing to relax and no closed enum (None)."""
    import jsonschema

    relaxed = json.loads(parameters)
    column = relaxed.get("$defs", {}).get("column", {})
    columns = frozenset(column.pop("enum")) if "enum" in column else None
    return jsonschema.Draft202012Validator(relaxed), columns


def best_error(validator: Any, value: Any) -> Any:
    import jsonschema.exceptions

    return jsonschema.exceptions.best_match(validator.iter_errors(value))


def outside_enum(
    schema: dict[str, Any], value: Any, columns: frozenset[str]
) -> list[tuple[str, str]]:
    """(pointer, name) of every string where the schema wants a column and the enum lacks it.

    A walk along the schema rather than jsonschema's error tree: the value already fits the
    relaxed schema, and collecting every anyOf branch's errors costs seconds per plan.
    """
    defs = schema.get("$defs", {})
    found: list[tuple[str, str]] = []

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref", "")
        return resolve(defs[ref.rsplit("/", 1)[1]]) if ref.startswith("#/$defs/") else node

    def fits(node: dict[str, Any], item: Any) -> bool:
        node = resolve(node)
        if "anyOf" in node:
            return any(fits(branch, item) for branch in node["anyOf"])
        kinds = node.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if isinstance(item, dict):
            op = node.get("properties", {}).get("op", {}).get("enum")
            keys_fit = set(item) == set(node.get("properties", {}))
            return "object" in kinds and (item.get("op") in op if op else keys_fit)
        return json_type(item) in kinds or (json_type(item) == "integer" and "number" in kinds)

    def walk(node: dict[str, Any], item: Any, at: str) -> None:
        if node.get("$ref") == "#/$defs/column" and isinstance(item, str):
            if item not in columns:
                found.append((at, item))
            return
        node = resolve(node)
        if "anyOf" in node:
            branch = next((b for b in node["anyOf"] if fits(b, item)), None)
            if branch is not None:
                walk(branch, item, at)
        elif isinstance(item, dict):
            for key, sub in node.get("properties", {}).items():
                walk(sub, item.get(key), f"{at}/{key}")
        elif isinstance(item, list) and isinstance(node.get("items"), dict):
            for i, sub_item in enumerate(item):
                walk(node["items"], sub_item, f"{at}/{i}")

    walk(schema, value, "")
    return found
