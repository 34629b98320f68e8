"""The description of each wire form (grammar/forms.py): the language, then one line per
operation in p-SQL's own call notation, derived from the registry:

    >>> from pesql.grammar.registry import DEFAULT_NAMING, lookup
    >>> print(function_line(lookup("SUB_ABS"), DEFAULT_NAMING, "short"))
    SUB_ABS(left, right) absolute difference |left - right|
    >>> print(function_line(lookup("ROUND"), DEFAULT_NAMING, "short"))  # the name says it
    ROUND(value, digits?)

`verbosity` "none" lists signatures only, "short" adds the one-line description, "full" adds
the example. `offered` (grammar/subsets.py) limits the description to a profile's operations.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pesql.grammar.briefs import brief, says_itself
from pesql.grammar.declare import OpSpec
from pesql.grammar.forms import Form
from pesql.grammar.jsonschema import FUNCTION_DESCRIPTION, Verbosity, positional_call
from pesql.grammar.registry import FieldSpec, Naming, all_ops, fields_of

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


__all__ = [
    "description",
    "function_line",
    "positional_description",
    "signature_text",
    "step_template",
]
