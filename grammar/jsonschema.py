"""JSON Schema of the function-call arguments, and the OpenAI tool definition, from the registry.

The schema is valid for OpenAI strict mode: every object has `additionalProperties: false`
and lists every property as required (optional ones accept null), and it uses only
keywords strict mode accepts (type, enum, anyOf, $ref/$defs, description, items).

To stay small, expression operations that share a field shape share one object schema whose
`op` is an enum (`ABS`, `SQRT`, `UPPER`, ... all take `{"op", "value"}`): the function
definition for the whole registry is a few thousand tokens (see docs/language.md).

    >>> schema = plan_schema(columns=["price", "cost"])
    >>> offered_columns(schema)
    ['price', 'cost']
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any, Literal

from pesql.grammar.briefs import brief, says_itself
from pesql.grammar.jsonform import LITERAL_TYPES
from pesql.grammar.registry import DEFAULT_NAMING, FieldSpec, Naming, OpSpec, all_ops, fields_of

Verbosity = Literal["full", "short", "none"]
CallShape = Literal["named", "positional", "either"]  # "either": for checking, never sent
Schema = dict[str, Any]

FUNCTION_NAME = "query_table"
FUNCTION_DESCRIPTION = (
    "Answer the user's question about the table with a p-SQL plan: steps applied in order, "
    "each to the result of the previous one. In expressions a string is a column name, "
    'text is {"value": "...", "type": "string"}, and dates are {"value": "YYYY-MM-DD", '
    '"type": "date"}.'
)


def _nullable(schema: Schema) -> Schema:
    if "$ref" in schema or "anyOf" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    out = dict(schema)
    kind = out["type"]
    out["type"] = [kind, "null"] if isinstance(kind, str) else [*kind, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def option_schema(f: FieldSpec) -> Schema:
    """The JSON Schema of an option's value (kinds int, float, bool, choice), in every form."""
    match f.kind:
        case "int":
            return {"type": "integer"}
        case "float":
            return {"type": "number"}
        case "bool":
            return {"type": "boolean"}
        case "choice":
            return {"type": "string", "enum": list(f.choices)}
    raise AssertionError(f"{f.name}: {f.kind} is not an option kind")


def _field_schema(f: FieldSpec) -> Schema:
    ref = {"$ref": "#/$defs/expr"}
    match f.kind:
        case "expr":
            return ref  # `expr` already admits null
        case "exprs":
            return {"type": "array", "items": ref}
        case "column":
            base: Schema = {"$ref": "#/$defs/column"}
        case "table":
            base = {"$ref": "#/$defs/table"}
        case "columns":
            return {"type": "array", "items": {"$ref": "#/$defs/column"}}
        case "new_name" | "text":
            base = {"type": "string"}
        case "int" | "float" | "bool" | "choice":
            base = option_schema(f)
        case "records":
            assert f.record is not None
            return {"type": "array", "items": {"$ref": f"#/$defs/{_record_name(f.record)}"}}
        case _:
            raise AssertionError(f.kind)
    # Defaulted fields are required in strict mode too; null stands for the default.
    return _nullable(base) if f.optional or not f.required else base


def _record_name(cls: type) -> str:
    return {
        "Assign": "assign",
        "SelectItem": "select_item",
        "SortKey": "sort_key",
        "When": "when",
        "JoinKey": "join_key",
    }[cls.__name__]


def _object(properties: dict[str, Schema], description: str | None = None) -> Schema:
    out: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        out["description"] = description
    return out


def _describe(spec: OpSpec, naming: Naming, verbosity: Verbosity) -> str:
    name = naming.exposed(spec.name)
    if verbosity == "none" or (verbosity == "short" and says_itself(spec)):
        return name
    text = f"{name}: {brief(spec) if verbosity == 'short' else spec.describe}"
    if verbosity == "full":
        text += f" (e.g. {spec.example})"
    return text


def _shape(spec: OpSpec) -> str:
    # Keyed by the schema itself, not the declaration: an optional expression field has the
    # same schema as a required one (`expr` admits null), so COUNT(value?) shares SUM's object.
    return json.dumps([(f.wire, _field_schema(f)) for f in spec.fields])


def positional_call(spec: OpSpec) -> bool:
    """Whether `spec` is written `{"op": NAME, "args": [...]}` with positional `calls`: every
    expression operation whose fields are plain values (CASE's records and IN's options keep
    their named object), variadic ones (`args` already) included.

    >>> from pesql.grammar.registry import lookup
    >>> positional_call(lookup("SUB_ABS")), positional_call(lookup("IN"))
    (True, False)
    """
    if spec.category == "step":
        return False
    kinds = [f.kind for f in spec.fields]
    if kinds == ["exprs"]:
        return spec.fields[0].wire == "args"
    return not any(k in ("exprs", "records") for k in kinds)


def offered_columns(schema: Schema) -> list[str] | None:
    """The table columns a plan schema offers by name (None when it offers none, as the
    schemas of the string-carrying wire forms never do)."""
    column = schema.get("$defs", {}).get("column")
    if column is None:
        return None
    for option in column.get("anyOf", [column]):
        if "enum" in option:
            return [c for c in option["enum"] if c is not None]
    return None


def for_catalog(
    offered: Collection[str] | None, tables: Sequence[str] | None
) -> Collection[str] | None:
    """The operations to offer given the catalog: the steps that read a second table (JOIN,
    LOOKUP) only when it has several tables. With one table they cannot apply and would cost
    every request their tokens; with no catalog known (`None`) everything is offered."""
    if tables is None or len(set(tables)) > 1:
        return offered
    names = offered if offered is not None else [s.name for s in all_ops()]
    reads_table = {s.name for s in all_ops("step") if any(f.kind == "table" for f in s.fields)}
    return [n for n in names if n not in reads_table]


def plan_schema(
    columns: Sequence[str] | None = None,
    naming: Naming = DEFAULT_NAMING,
    verbosity: Verbosity = "short",
    tables: Sequence[str] | None = None,
    offered: Collection[str] | None = None,
    calls: CallShape = "named",
) -> Schema:
    """The JSON Schema of a plan (the function's `parameters`); `tables`: the catalog's names,
    offered as an enum where a step names a table (JOIN, LOOKUP); `offered` limits the ops;
    `calls="positional"`: one generic call object (`positional_call`), whose signatures the
    caller puts into the description (grammar/formdefs.py)."""
    offered = for_catalog(offered, tables)
    defs: Schema = {}
    defs["table"] = (
        {"type": "string", "description": "a table of the catalog"}
        if tables is None
        else {"type": "string", "enum": list(dict.fromkeys(tables)), "description": "a table"}
    )
    column: Schema = {"type": "string", "description": "a column name"}
    if columns is not None:
        # The table's columns are offered as an enum, but a later step may use a column an
        # earlier step created (DERIVE gap ... SORT gap): an enum alone would make those plans
        # impossible under strict decoding, so any other name stays allowed beside it.
        column = {
            "anyOf": [
                {
                    "type": "string",
                    "enum": list(dict.fromkeys(columns)),
                    "description": "a column of the table",
                },
                {"type": "string", "description": "a column created by an earlier step"},
            ]
        }
    defs["column"] = column
    defs["literal"] = _object(
        {
            "value": {"type": "string"},
            "type": {"type": "string", "enum": list(LITERAL_TYPES)},
        },
        "a text, date (YYYY-MM-DD) or datetime (YYYY-MM-DD HH:MM:SS) literal",
    )

    # Expression operations grouped by field shape: one object schema per shape; with
    # positional `calls`, one object for every call that takes plain arguments.
    groups: dict[str, list[OpSpec]] = {}
    generic: list[OpSpec] = []
    for spec in all_ops():
        if spec.category != "step" and (offered is None or spec.name in offered):
            plain = positional_call(spec)
            if calls != "named" and plain:
                generic.append(spec)
            if calls != "positional" or not plain:
                groups.setdefault(_shape(spec), []).append(spec)
    call_refs = []
    if generic:
        names = [naming.exposed(s.name) for s in generic]
        arguments = {"type": "array", "items": {"$ref": "#/$defs/expr"}}
        defs["call"] = _object({"op": {"type": "string", "enum": names}, "args": arguments})
        call_refs.append({"$ref": "#/$defs/call"})
    for i, specs in enumerate(groups.values()):
        props: dict[str, Schema] = {
            "op": {"type": "string", "enum": [naming.exposed(s.name) for s in specs]},
        }
        props.update({f.wire: _field_schema(f) for f in specs[0].fields})
        described = [_describe(s, naming, verbosity) for s in specs]
        # Names alone are in the `op` enum already: only described ones are listed.
        shown = zip(described, specs, strict=True)
        description = "; ".join(d for d, s in shown if d != naming.exposed(s.name))
        defs[f"call{i}"] = _object(props, description if verbosity != "none" else None)
        call_refs.append({"$ref": f"#/$defs/call{i}"})
    defs["expr"] = {
        "anyOf": [
            {"$ref": "#/$defs/column"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
            {"$ref": "#/$defs/literal"},
            *call_refs,
        ]
    }
    from pesql.grammar import ast as A

    for record in A.RECORD_TYPES:
        defs[_record_name(record)] = _object({f.wire: _field_schema(f) for f in fields_of(record)})

    step_refs = []
    for spec in all_ops("step"):
        if offered is not None and spec.name not in offered:
            continue
        name = naming.exposed(spec.name)
        props = {"op": {"type": "string", "enum": [name]}}
        props.update({f.wire: _field_schema(f) for f in spec.fields})
        key = f"step_{spec.name.lower()}"
        defs[key] = _object(
            props, _describe(spec, naming, verbosity) if verbosity != "none" else None
        )
        step_refs.append({"$ref": f"#/$defs/{key}"})

    schema = _object(
        {
            "table": {
                "type": ["string", "null"],
                "description": "the table to read (null: the only one)",
            },
            "steps": {"type": "array", "items": {"anyOf": step_refs}},
        }
    )
    schema["$defs"] = _referenced(defs, schema)
    return schema


_DEFS = "#/$defs/"


def _referenced(defs: Schema, root: Schema) -> Schema:
    """`defs` without the definitions nothing reachable from `root` refers to: with one table
    JOIN and LOOKUP are not offered, and their `table` and `join_key` would cost every request
    ~50 tokens for nothing (a CASE-less or SORT-less subset drops `when` or `sort_key`)."""
    wanted: set[str] = set()
    pending: list[Any] = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_DEFS):
                name = ref[len(_DEFS) :]
                if name not in wanted:
                    wanted.add(name)
                    pending.append(defs[name])
            pending.extend(v for k, v in node.items() if k != "$defs")
        elif isinstance(node, list):
            pending.extend(node)
    return {name: value for name, value in defs.items() if name in wanted}


def function_definition(
    columns: Sequence[str] | None = None,
    naming: Naming = DEFAULT_NAMING,
    strict: bool = True,
    verbosity: Verbosity = "short",
    name: str = FUNCTION_NAME,
    description: str = FUNCTION_DESCRIPTION,
    tables: Sequence[str] | None = None,
    offered: Collection[str] | None = None,
    calls: CallShape = "named",
) -> dict[str, Any]:
    """An OpenAI `tools` entry whose parameters are the plan schema."""
    function: dict[str, Any] = {
        "name": name,
        "description": description,
        "parameters": plan_schema(columns, naming, verbosity, tables, offered, calls),
    }
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}
