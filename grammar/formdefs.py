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

import json
from collections.abc import Collection, Sequence
from typing import Any

from pesql.grammar import ast as A
from pesql.grammar.briefs import brief, says_itself
from pesql.grammar.clauses import CLAUSES, step_clauses
from pesql.grammar.declare import OpSpec
from pesql.grammar.forms import Form
from pesql.grammar.jsonschema import (
    FUNCTION_DESCRIPTION,
    FUNCTION_NAME,
    CallShape,
    Schema,
    Verbosity,
    for_catalog,
    function_definition,
    option_schema,
    plan_schema,
    positional_call,
)
from pesql.grammar.parse import parse_step
from pesql.grammar.registry import DEFAULT_NAMING, FieldSpec, Naming, all_ops, fields_of

# What the description says about the language; the operation lines follow it.
_PLAN = "Answer with a p-SQL plan: steps applied in order, each to the previous one's result."
_EXPRESSIONS = (
    "Expressions: column, `odd column`, 'text', DATE '2024-01-31', + - * / % = != < <= > >= "
    "AND OR NOT, x IN (a, b), x BETWEEN a AND b, x IS [NOT] NULL, x LIKE 'a%', "
    "CASE WHEN c THEN a ELSE b END; functions (? optional):"
)
# The tree form without strict mode: expressions as JSON, calls named by `op`.
_TREE_EXPRESSIONS = (
    "Expressions are JSON: a string is a column; numbers, true, false, null are literals; "
    'text is {"value": "West", "type": "string"} (or "date", "datetime"); a call is '
    '{"op": NAME, ...arguments by name}, e.g. {"op": "SUB_ABS", "left": "a", "right": 5}:'
)
_POSITIONAL = (
    'A function call is {"op": NAME, "args": [...]} with the arguments in this order (? '
    "optional: null, or left out at the end):"
)
_SHAPE = {
    "compact": (
        "Steps are JSON objects keyed by the step's keywords: GROUP_BY a, b COMPUTE n = "
        'COUNT(*) is {"GROUP_BY":"a, b","COMPUTE":"n = COUNT(*)"}.'
    ),
    "steps": 'One p-SQL step per string, e.g. {"steps": ["FROM t", "FILTER x > 3"]}.',
    "text": 'The plan as p-SQL text, a step per line: {"plan": "FROM t\\nFILTER x > 3"}.',
}


def signature_text(spec: OpSpec, naming: Naming, as_call: bool = False) -> str:
    """`NAME(field, option?)` for calls; the example for steps and operators with syntax
    (`as_call`: operators as calls too, as the tree form writes them: `EQ(left, right)`)."""
    if spec.category == "step" or (spec.syntax != "call" and not as_call):
        return spec.example
    args = [_argument(f) for f in spec.fields]
    return f"{naming.exposed(spec.name)}({', '.join(args)})"


def _argument(f: FieldSpec) -> str:
    # Choice values are listed once after the functions (see `_choices`).
    name = f"{f.wire}..." if f.kind == "exprs" else f.wire
    return name if f.required else name + "?"


def function_line(spec: OpSpec, naming: Naming, verbosity: Verbosity, as_call: bool = False) -> str:
    line = signature_text(spec, naming, as_call)
    if verbosity == "none":
        return line
    if verbosity == "full":
        line += f" {spec.describe}"
    elif as_call and spec.symbol:  # ADD(left, right) +
        line += f" {spec.symbol}"
    elif not says_itself(spec):
        line += f" {brief(spec)}"
    if verbosity == "full" and spec.syntax == "call" and spec.category != "step":
        line += f"; e.g. {spec.example}"
    return line


def _offered(specs: Sequence[OpSpec], offered: Collection[str] | None) -> list[OpSpec]:
    return [s for s in specs if offered is None or s.name in offered]


def _tree_lines(specs: Sequence[OpSpec], naming: Naming, verbosity: Verbosity) -> list[str]:
    """One line per operation; operators with a symbol and the same arguments share one:
    `ADD +, SUB -, MUL *, ... (left, right)`."""
    lines: list[str] = []
    shared: dict[tuple[str, ...], list[str]] = {}
    for spec in specs:
        if spec.symbol and verbosity != "full":
            key = tuple(_argument(f) for f in spec.fields)
            if key not in shared:
                shared[key] = []
                lines.append("")  # placeholder, filled below in first-seen order
            shared[key].append(f"{naming.exposed(spec.name)} {spec.symbol}")
        else:
            lines.append(function_line(spec, naming, verbosity, True))
    groups = iter(shared.items())
    return [
        line or (lambda kv: f"{', '.join(kv[1])} ({', '.join(kv[0])})")(next(groups))
        for line in lines
    ]


def _call_lines(specs: Sequence[OpSpec], naming: Naming, verbosity: Verbosity) -> list[str]:
    """One line per function; functions with nothing to say beyond their name and the same
    arguments share one, at the first one's place: `SUM/MEDIAN/VAR(value, where?)`."""
    lines: list[str | list[str]] = []
    bare: dict[str, list[str]] = {}  # argument list -> names
    for spec in specs:
        line = function_line(spec, naming, verbosity)
        if line != signature_text(spec, naming):  # described: a line of its own
            lines.append(line)
            continue
        args = line.removeprefix(naming.exposed(spec.name))
        if args not in bare:
            bare[args] = []
            lines.append(bare[args])
        bare[args].append(naming.exposed(spec.name))
    out = []
    for item in lines:
        if isinstance(item, str):
            out.append(item)
            continue
        args = next(a for a, names in bare.items() if names is item)
        out.append("/".join(item) + args)
    return out


def positional_description(
    naming: Naming, verbosity: Verbosity, offered: Collection[str] | None
) -> str:
    """The strict tree form's description: the plan, then the signatures of the calls its
    one generic call object holds (`{"op": "SUB_ABS", "args": ["a", "b"]}`), in order."""
    calls = [s for s in all_ops() if positional_call(s)]
    calls = _offered(calls, offered)
    lines = [FUNCTION_DESCRIPTION, _POSITIONAL]
    lines += _tree_lines(calls, naming, verbosity)
    if choices := _choices(calls):
        lines.append(choices)
    return "\n".join(lines)


def step_template(spec: OpSpec, naming: Naming) -> str:
    """A step object's properties in brief: `GROUP_BY {keys: [..], aggregates: [{name, expr}]}`."""
    return f"{naming.exposed(spec.name)} {{{_properties(spec.fields)}}}"


def _properties(fields: Sequence[FieldSpec]) -> str:
    parts = []
    for f in fields:
        name = f.wire if f.required else f.wire + "?"
        if f.kind == "records" and f.record is not None:
            name += f": [{{{_properties(fields_of(f.record))}}}]"
        elif f.kind in ("columns", "exprs"):
            name += ": [..]"
        parts.append(name)
    return ", ".join(parts)


def _choices(specs: Sequence[OpSpec]) -> str:
    """Each choice option's values once (`unit` is shared by DATE_TRUNC and DATE_DIFF)."""
    seen = {f.wire: f.choices for s in specs for f in s.fields if f.kind == "choice"}
    return "; ".join(f"{wire}: " + "|".join(f"'{c}'" for c in cs) for wire, cs in seen.items())


def description(
    form: Form,
    naming: Naming,
    verbosity: Verbosity,
    offered: Collection[str] | None,
    step_shapes: bool = False,
) -> str:
    """The function description: the language, then one line per operation.

    `step_shapes`: the step objects' properties too (for the JSON-object forms when the
    schema does not hold them: without strict mode, or with no tool sent at all)."""
    lines = [_PLAN]
    if form == "tree" and step_shapes:
        lines.append('Steps are {"op": STEP, ...properties}:')
        lines += [step_template(s, naming) for s in _offered(list(all_ops("step")), offered)]
    if form == "tree":
        lines.append(_TREE_EXPRESSIONS)
        calls = _offered([s for s in all_ops() if s.category != "step"], offered)
        lines += _tree_lines(calls, naming, verbosity)
        if choices := _choices(calls):
            lines.append(choices)
        return "\n".join(lines)
    lines.append(_SHAPE[form])
    # The steps in text; the compact form's sentence above says how text maps to its keys.
    lines.append("Steps:" if form == "compact" else "Steps (FROM t first if several tables):")
    for step in _offered(list(all_ops("step")), offered):
        what = {"none": "", "short": brief(step), "full": step.describe}[verbosity]
        lines.append(f"{step.example}: {what}" if what else step.example)
    lines.append(_EXPRESSIONS)
    calls = [s for s in all_ops() if s.category != "step" and s.syntax == "call"]
    calls = _offered(calls, offered)
    lines += _call_lines(calls, naming, verbosity)
    if choices := _choices(calls):
        lines.append(choices)
    return "\n".join(lines)


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


__all__ = ["description", "form_definition", "form_schema", "function_line", "signature_text"]
