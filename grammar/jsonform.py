"""AST <-> JSON: the form models write (the arguments object of one function call).

    {"table": null,
     "steps": [{"op": "DERIVE", "columns": [{"name": "gap",
                "expr": {"op": "SUB_ABS", "left": "price", "right": "cost"}}]}]}

Expressions in JSON: a string is a column name; a number, true/false or null is a literal;
`{"value": "West", "type": "string"}` is a text literal (also `"date"`, `"datetime"`);
`{"op": NAME, ...fields}` is an operation. Canonical JSON (what `to_json` writes) has every
property of every object, in declaration order, and one spelling per construct: training
data that varies in property presence or order teaches models to close objects early.

`from_json` is lenient where it is unambiguous (optional properties may be missing, op
names in any case or as a registered alias) and strict elsewhere; every problem is
collected with its JSON pointer and raised once.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.lowering import LITERAL_TYPES, MAX_JSON_DEPTH, Lowering, json_type
from pesql.grammar.numbers import read_int
from pesql.grammar.registry import DEFAULT_NAMING, FieldSpec, Naming, fields_of, spec_of

JSONValue = Any


def dumps(value: JSONValue) -> str:
    """Canonical JSON text: compact, key order as built, non-ASCII kept."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


# --- AST -> JSON -------------------------------------------------------------------------
def to_json(plan: A.Plan, naming: Naming = DEFAULT_NAMING) -> dict[str, JSONValue]:
    """The canonical JSON object of a plan (op names as the naming exposes them)."""
    if not isinstance(plan, A.Plan):
        raise TypeError(f"to_json takes a Plan, not {type(plan).__name__}")
    return {"table": plan.table, "steps": [_node_json(s, naming) for s in plan.steps]}


def expr_json(expr: A.Expr, naming: Naming = DEFAULT_NAMING) -> JSONValue:
    match expr:
        case A.Col(name=name):
            return name
        case A.Lit(value=value):
            return literal_json(value)
    return _node_json(expr, naming)


def literal_json(value: A.LitValue) -> JSONValue:
    match value:
        case dt.datetime():
            return {"value": value.isoformat(sep=" "), "type": "datetime"}
        case dt.date():
            return {"value": value.isoformat(), "type": "date"}
        case str():
            return {"value": value, "type": "string"}
    return value


def _node_json(node: A.Node, naming: Naming) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {}
    if isinstance(node, A.Call | A.Step):
        out["op"] = naming.exposed(spec_of(node).name)

    for f in fields_of(type(node)):
        out[f.wire] = _field_json(f, getattr(node, f.name), naming)
    return out


def _field_json(f: FieldSpec, value: Any, naming: Naming) -> JSONValue:
    if value is None:
        return None
    if f.kind == "expr":
        return expr_json(value, naming)
    if f.kind == "exprs":
        return [expr_json(v, naming) for v in value]
    if f.kind == "records":
        return [_node_json(v, naming) for v in value]
    if f.kind == "columns":
        return list(value)
    return value


# --- JSON -> AST -------------------------------------------------------------------------
def from_json(value: str | bytes | JSONValue, naming: Naming = DEFAULT_NAMING) -> A.Plan:
    """Lower function-call arguments (a JSON string or an already parsed value) to a plan."""
    text = value if isinstance(value, str) else None
    if isinstance(value, str | bytes):
        try:
            # Integers too long to convert are read as `LongInteger` and refused by lowering
            # (E157/E155) with their pointer, not by json's own digit limit.
            value = json.loads(value, parse_int=read_int)
        except (ValueError, RecursionError) as exc:
            raise PesqlError(
                [
                    Diagnostic.make(
                        "E150",
                        A.Pointer(""),
                        problem=str(exc),
                        hints=("the input may be repairable: see pesql.repair",),
                    )
                ]
            ) from None
    lowering = Lowering(naming)
    plan = lowering.plan(value, text=text)
    lowering.collector.raise_if_errors()
    return plan


__all__ = [
    "LITERAL_TYPES",
    "MAX_JSON_DEPTH",
    "dumps",
    "expr_json",
    "from_json",
    "json_type",
    "literal_json",
    "to_json",
]
