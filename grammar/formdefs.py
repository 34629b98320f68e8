"""The function definition of each wire form (grammar/forms.py), derived from the registry.

`tree` with strict mode is grammar/jsonschema.py's JSON Schema (closed objects, calls
positional where the definition is sent as a tool); the other forms carry p-SQL in strings,
so their schema is small (the compact form: one closed object per step, keyed by its
clauses) and the operations are listed in the description (grammar/formtext.py).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from pesql.grammar import ast as A
from pesql.grammar.clauses import CLAUSES, step_clauses
from pesql.grammar.declare import OpSpec
from pesql.grammar.forms import Form
from pesql.grammar.formtext import description, positional_description
from pesql.grammar.jsonschema import (
    FUNCTION_NAME,
    CallShape,
    Schema,
    Verbosity,
    for_catalog,
    function_definition,
    option_schema,
    plan_schema,
)
from pesql.grammar.parse import parse_step
from pesql.grammar.registry import DEFAULT_NAMING, Naming, all_ops


def _offered(specs: Sequence[OpSpec], offered: Collection[str] | None) -> list[OpSpec]:
    return [s for s in specs if offered is None or s.name in offered]


def _nullable(schema: Schema, strict: bool) -> Schema:
    if not strict:
        return schema
    out = {**schema, "type": [schema["type"], "null"]}
    if "enum" in out:  # the enum must admit null too, or null never validates
        out["enum"] = [*out["enum"], None]
    return out


def clause_example(spec: OpSpec, naming: Naming) -> str:
    """A step's example as the compact form writes it: `{"SORT":"body_mass_g DESC, species"}`."""
    step = parse_step(spec.example)
    assert isinstance(step, A.Step)
    return json.dumps(step_clauses(step, naming), ensure_ascii=False, separators=(",", ":"))


def _clause_schema(spec: OpSpec, naming: Naming, strict: bool) -> Schema:
    """The strict schema of a compact step object: its clause keys (grammar/clauses.py)."""
    fields = {f.wire: f for f in spec.fields}
    props: Schema = {}
    for key, wire, _ in CLAUSES[spec.name]:
        f = fields[wire]
        kind: Schema = option_schema(f) if f.kind in ("int", "bool") else {"type": "string"}
        if f.kind == "choice":
            kind = {"type": "string", "enum": [c.upper() for c in f.choices]}
        exposed = naming.exposed(spec.name) if key == spec.name else key
        props[exposed] = kind if f.required else _nullable(kind, strict)
    props = {naming.exposed(spec.name): props.pop(naming.exposed(spec.name)), **props}
    return _strict(props, list(props), strict)


def form_schema(
    form: Form, strict: bool, offered: Collection[str] | None, naming: Naming = DEFAULT_NAMING
) -> Schema:
    """The `parameters` schema of `form` (the tree form: its JSON Schema)."""
    if form == "compact":
        steps = _offered(list(all_ops("step")), offered)
        name: Schema = _nullable({"type": "string"}, strict)
        if strict:
            items: Schema = {"anyOf": [_clause_schema(s, naming, strict) for s in steps]}
        else:  # the description shows each step's keys
            items = {"type": "object"}
        array = {"type": "array", "items": items}
        return _strict({"table": name, "steps": array}, ["steps"], strict)
    if form == "text":
        return _strict({"plan": {"type": "string"}}, ["plan"], strict)
    if form == "steps":
        strings: Schema = {"type": "array", "items": {"type": "string"}}
        return _strict({"steps": strings}, ["steps"], strict)
    if strict:  # the JSON Schema of the tree form, its calls positional
        return plan_schema(None, naming, "none", offered=offered, calls="positional")
    steps = _offered(list(all_ops("step")), offered)
    # Without strict mode the description lists the step objects' properties.
    loose: Schema = {"type": "object", "properties": {"op": {"enum": [s.name for s in steps]}}}
    loose["required"] = ["op"]
    steps_schema = {"type": "array", "items": loose}
    table_schema: Schema = {"type": "string"}
    return _strict({"table": table_schema, "steps": steps_schema}, ["steps"], False)


def _strict(props: Schema, required: list[str], strict: bool) -> Schema:
    out: Schema = {"type": "object", "properties": props, "required": list(props)}
    if strict:
        out["additionalProperties"] = False
    else:
        out["required"] = required
    return out


def form_definition(
    form: Form = "tree",
    columns: Sequence[str] | None = None,
    naming: Naming = DEFAULT_NAMING,
    strict: bool = True,
    verbosity: Verbosity = "short",
    name: str = FUNCTION_NAME,
    offered: Collection[str] | None = None,
    tables: Sequence[str] | None = None,
    calls: CallShape = "positional",
) -> dict[str, Any]:
    """The OpenAI `tools` entry of `form`; `tables`: the catalog's names (JOIN, LOOKUP);
    `calls`: the strict tree form's calls, positional (`{"op", "args"}`: one schema object for
    them all) or named (one per shape; what the GBNF grammar and `to_json` write).

    The strict tree form is grammar/jsonschema.function_definition (strict mode needs a
    closed object per operation shape). Without strict mode the JSON-object forms are
    described in the description (one line per step and per operation) and the schema only
    names the steps. These forms list the table's columns in the description instead of an
    enum (a string holding p-SQL cannot be held to an enum without a grammar)."""
    if form == "tree" and strict and calls == "named":
        return function_definition(
            columns, naming, strict, verbosity, name, offered=offered, tables=tables
        )
    if form == "tree" and strict:
        return function_definition(
            columns,
            naming,
            strict=strict,
            verbosity=verbosity,
            name=name,
            description=positional_description(naming, verbosity, for_catalog(offered, tables)),
            offered=offered,
            tables=tables,
            calls="positional",
        )
    offered = for_catalog(offered, tables)
    text = description(form, naming, verbosity, offered, step_shapes=not strict)
    if tables is not None and len(set(tables)) > 1:  # what JOIN and LOOKUP may name
        text += "\nTables: " + ", ".join(dict.fromkeys(tables))
    if columns is not None:
        # The overview in the prompt may be cut to its budget: the names stay here.
        text += "\nColumns: " + ", ".join(dict.fromkeys(columns))
    function: dict[str, Any] = {
        "name": name,
        "description": text,
        "parameters": form_schema(form, strict, offered, naming),
    }
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}


__all__ = ["clause_example", "description", "form_definition", "form_schema"]
