"""The function definition of each wire form (grammar/forms.py), derived from the registry.

`tree` is grammar/jsonschema.py's JSON Schema (one object schema per operation shape). The
other forms carry p-SQL in strings, so their schema is tiny and the operations are listed in
the description in p-SQL's own call notation, one line each:

    >>> from pesql.grammar.registry import lookup
    >>> print(function_line(lookup("SUB_ABS"), DEFAULT_NAMING, "short"))
    SUB_ABS(left, right) absolute difference |left - right|
    >>> print(function_line(lookup("ROUND"), DEFAULT_NAMING, "short"))  # the name says it
    ROUND(value, digits?)

`verbosity` "none" lists signatures only, "short" adds the one-line description, "full" adds
the example. `offered` (grammar/subsets.py) limits the definition to a profile's operations.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

from pesql.grammar.declare import OpSpec
from pesql.grammar.forms import Form
from pesql.grammar.jsonschema import FUNCTION_NAME, Schema, Verbosity, function_definition
from pesql.grammar.registry import DEFAULT_NAMING, FieldSpec, Naming, all_ops, fields_of

# What the description says about the language; the operation lines follow it.
_PLAN = (
    "Answer the user's question about the table with a p-SQL plan: steps applied in order, "
    "each to the result of the previous one."
)
_EXPRESSIONS = (
    "Expressions: column, `odd column`, 'text', DATE '2024-01-31', + - * / % = != < <= > >= "
    "AND OR NOT, x IN (a, b), x BETWEEN a AND b, x IS [NOT] NULL, x LIKE 'a%', "
    "CASE WHEN c THEN a ELSE b END; functions (? optional):"
)
_SHAPE = {
    "compact": "Steps are JSON objects; every expression is a p-SQL expression string.",
    "steps": 'One p-SQL step per string, e.g. {"steps": ["FROM t", "FILTER x > 3"]}.',
    "text": 'The whole plan as p-SQL text, one step per line: {"plan": "FROM t\\nFILTER x > 3"}.',
}


def signature_text(spec: OpSpec, naming: Naming) -> str:
    """`NAME(field, option?)` for calls; the example for steps and operators with syntax."""
    if spec.category == "step" or spec.syntax != "call":
        return spec.example
    args = [_argument(f) for f in spec.fields]
    return f"{naming.exposed(spec.name)}({', '.join(args)})"


def _argument(f: FieldSpec) -> str:
    name = f"{f.wire}..." if f.kind == "exprs" else f.wire
    if f.kind == "choice":
        name = "|".join(f"'{c}'" for c in f.choices)
    return name if f.required else name + "?"


def brief(spec: OpSpec) -> str:
    """The description's first clause: what "short" shows (`full` shows all of it).

    >>> from pesql.grammar.registry import lookup
    >>> brief(lookup("QUANTILE"))
    'the q-quantile, 0 <= q <= 1'
    """
    return _CLAUSE.split(spec.describe, maxsplit=1)[0]


def _says_itself(spec: OpSpec) -> bool:
    """True when every word of the name is in the brief (YEAR: "year of a date"): the
    name says it, and "short" spends no tokens repeating it."""
    if spec.category == "step" or spec.syntax != "call":
        return False
    text = brief(spec).lower()
    return all(word in text for word in spec.name.lower().split("_"))


_CLAUSE = re.compile(r" \(|; | -- |, (?=[a-z])")


def function_line(spec: OpSpec, naming: Naming, verbosity: Verbosity) -> str:
    line = signature_text(spec, naming)
    if verbosity == "none":
        return line
    if verbosity == "full":
        line += f" {spec.describe}"
    elif not _says_itself(spec):
        line += f" {brief(spec)}"
    if verbosity == "full" and spec.syntax == "call" and spec.category != "step":
        line += f"; e.g. {spec.example}"
    return line


def _offered(specs: Sequence[OpSpec], offered: Collection[str] | None) -> list[OpSpec]:
    return [s for s in specs if offered is None or s.name in offered]


def description(
    form: Form, naming: Naming, verbosity: Verbosity, offered: Collection[str] | None
) -> str:
    """The function description of a string-carrying form: the language, then one line per op."""
    lines = [_PLAN, _SHAPE[form]]
    if form != "compact":  # the compact form's step objects are in its schema
        lines.append("Steps (FROM t first when there are several tables):")
        for step in _offered(list(all_ops("step")), offered):
            what = {"none": "", "short": brief(step), "full": step.describe}[verbosity]
            lines.append(f"{step.example}: {what}" if what else step.example)
    lines.append(_EXPRESSIONS)
    calls = [s for s in all_ops() if s.category != "step" and s.syntax == "call"]
    lines += [function_line(s, naming, verbosity) for s in _offered(calls, offered)]
    return "\n".join(lines)


def _nullable(schema: Schema, strict: bool) -> Schema:
    if not strict:
        return schema
    kind = schema["type"]
    return {**schema, "type": [kind, "null"]}


def _compact_field(f: FieldSpec, strict: bool) -> Schema:
    match f.kind:
        case "expr" | "column" | "new_name" | "text":
            base: Schema = {"type": "string"}
        case "exprs" | "columns":
            return {"type": "array", "items": {"type": "string"}}
        case "records":
            assert f.record is not None
            return {"type": "array", "items": {"$ref": f"#/$defs/{f.record.__name__}"}}
        case "int":
            base = {"type": "integer"}
        case "float":
            base = {"type": "number"}
        case "bool":
            base = {"type": "boolean"}
        case "choice":
            base = {"type": "string", "enum": list(f.choices)}
        case _:
            raise AssertionError(f.kind)
    return base if f.required else _nullable(base, strict)


def _object(fields: Sequence[FieldSpec], op: str | None, strict: bool) -> Schema:
    props: Schema = {} if op is None else {"op": {"enum": [op]}}
    props.update({f.wire: _compact_field(f, strict) for f in fields})
    out: Schema = {"type": "object", "properties": props}
    required = (
        list(props)
        if strict
        else [p for p in props if p == "op"] + [f.wire for f in fields if f.required]
    )
    if required:
        out["required"] = required
    if strict:
        out["additionalProperties"] = False
    return out


def form_schema(form: Form, strict: bool, offered: Collection[str] | None) -> Schema:
    """The `parameters` schema of a string-carrying form."""
    if form == "text":
        return _strict({"plan": {"type": "string"}}, ["plan"], strict)
    if form == "steps":
        strings: Schema = {"type": "array", "items": {"type": "string"}}
        return _strict({"steps": strings}, ["steps"], strict)
    steps = _offered(list(all_ops("step")), offered)
    step_objects = [_object(s.fields, s.name, strict) for s in steps]
    table: Schema = {"type": ["string", "null"]}
    items = {"anyOf": step_objects}
    out = _strict({"table": table, "steps": {"type": "array", "items": items}}, ["steps"], strict)
    # Records (assign, sort key, ...) once each, referenced from the steps that hold them.
    records = {f.record for s in steps for f in s.fields if f.record is not None}
    out["$defs"] = {
        r.__name__: _object(fields_of(r), None, strict)
        for r in sorted(records, key=lambda r: r.__name__)
    }
    return out


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
) -> dict[str, Any]:
    """The OpenAI `tools` entry of `form` (`tree`: grammar/jsonschema.function_definition).

    String-carrying forms do not offer the table's columns as an enum (the table overview in
    the prompt lists them, and a string cannot be held to an enum without a grammar)."""
    if form == "tree":
        return function_definition(
            columns, naming, strict=strict, verbosity=verbosity, name=name, offered=offered
        )
    function: dict[str, Any] = {
        "name": name,
        "description": description(form, naming, verbosity, offered),
        "parameters": form_schema(form, strict, offered),
    }
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}


__all__ = ["description", "form_definition", "form_schema", "function_line", "signature_text"]
