"""Wire forms: the shapes a model's function-call arguments may take, all lowering to one AST.

- `tree`: the JSON form of grammar/jsonform.py, expressions as nested JSON objects;
- `compact`: steps stay JSON objects keyed by their clauses, each clause's value is p-SQL
  (`{"FILTER": "price > 10"}`, `{"GROUP_BY": "a", "COMPUTE": "n = COUNT(*)"}`;
  grammar/clauses.py); the older `{"op": "FILTER", "where": "price > 10"}` is read too;
- `steps`: one p-SQL step per string (`{"steps": ["FILTER price > 10", "SORT price DESC"]}`);
- `text`: the whole p-SQL text in one string (`{"plan": "FILTER price > 10\\nSORT price DESC"}`).

    >>> plan = from_form({"steps": ["FILTER price > 10", "LIMIT 3"]}, "steps")
    >>> to_form(plan, "compact")
    {'steps': [{'FILTER': 'price > 10'}, {'LIMIT': 3}]}
    >>> to_form(plan, "text")
    {'plan': 'FILTER price > 10\\nLIMIT 3'}

Reading is lenient across forms where that is unambiguous: steps as strings and a `plan`
string are read under every form (models write `{"steps": ["..."]}` unprompted), and numbers,
booleans and JSON expression objects are read where the compact form expects a string. A
string in an expression position is the one thing the forms disagree on: a column name in
`tree`, a p-SQL expression in `compact`. Nodes read from a string get `InString` origins (the
JSON pointer of the string and the line:col inside it), so diagnostics point into the string.

Printing omits properties that hold their declared default (`full=False`, the short canonical
JSON); `full=True` writes every property, as strict mode requires.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Collection
from typing import Any, Literal, TypeVar

from pesql.grammar import ast as A
from pesql.grammar.clauses import CLAUSES, ClauseError, clauses_text, step_clauses
from pesql.grammar.descent_exprs import Place
from pesql.grammar.diagnostics import Diagnostic, PesqlError, nearest
from pesql.grammar.jsonform import literal_json
from pesql.grammar.jsonschema import positional_call
from pesql.grammar.lowering import Lowering
from pesql.grammar.origin import make_span
from pesql.grammar.parse import parse, parse_expr, parse_step
from pesql.grammar.positional import arguments
from pesql.grammar.printer import expr_text, quote_name, step_text, to_text
from pesql.grammar.registry import DEFAULT_NAMING, FieldSpec, Naming, fields_of, lookup, spec_of

Form = Literal["tree", "compact", "steps", "text"]
FORMS: tuple[Form, ...] = ("tree", "compact", "steps", "text")
JSONValue = Any
T = TypeVar("T")


# --- reading -----------------------------------------------------------------------------
class FormLowering(Lowering):
    """`Lowering` that also reads p-SQL strings: steps always, expressions in `compact`."""

    def __init__(self, naming: Naming, form: Form) -> None:
        super().__init__(naming)
        self.expr_strings = form == "compact"
        self.from_table: str | None = None

    def plan(self, value: JSONValue, *, text: str | None = None) -> A.Plan:
        if isinstance(value, dict) and isinstance(value.get("plan"), str):
            return self._text_plan(value)
        plan = super().plan(value, text=text)
        if plan.table is None and self.from_table is not None:
            plan = dataclasses.replace(plan, table=self.from_table)
        return plan

    def _text_plan(self, value: dict[str, JSONValue]) -> A.Plan:
        root = A.Pointer("")
        for key in value:
            if key != "plan":
                self.fail("E153", root.child(key), name="plan", prop=key)
        plan = self.read(
            value["plan"], root.child("plan"), lambda t, p: parse(t, self.naming, place=p)
        )
        return plan if plan is not None else A.Plan(origin=root)

    def node(self, raw: JSONValue, at: A.Pointer, want: str, depth: int) -> A.Node | None:
        if want == "step" and isinstance(raw, dict) and raw and "op" not in raw:
            first = next(iter(raw))
            spec = lookup(first, self.naming) if isinstance(first, str) else None
            if spec is not None and spec.name in CLAUSES:
                return self._clause_step(raw, spec.name, at)
        if want == "step" and isinstance(raw, str):
            step = self.read(raw, at, lambda t, p: parse_step(t, self.naming, place=p))
            if isinstance(step, tuple):  # "FROM t" among the step strings
                self.from_table = step[1]
                return None
            return step
        return super().node(raw, at, want, depth)

    def expr(self, raw: JSONValue, at: A.Pointer, depth: int) -> A.Expr | None:
        if self.expr_strings and isinstance(raw, str):
            return self.read(raw, at, lambda t, p: parse_expr(t, self.naming, place=p))
        return super().expr(raw, at, depth)

    def _clause_step(self, raw: dict[str, JSONValue], step: str, at: A.Pointer) -> A.Step | None:
        """A compact step object keyed by clause (grammar/clauses.py)."""
        self.count()
        try:
            text, where, unknown = clauses_text(raw, step, at)
        except ClauseError as exc:
            self.fail("E154", exc.pointer, expected=exc.expected, found=exc.found)
            return None
        for key in unknown:
            self.fail(
                "E153",
                at.child(key),
                name=step,
                prop=key,
                hints=(_clause_hint(step, key, self.naming),),
            )
        if unknown:
            return None

        try:
            parsed = parse_step(text, self.naming, place=where)
        except PesqlError as exc:
            for d in exc.diagnostics:
                self.collector.add(dataclasses.replace(d, origin=where(d.origin)))
            return None
        assert isinstance(parsed, A.Step)  # the text starts with the step's keyword
        return parsed

    def read(self, text: str, at: A.Pointer, reader: Callable[[str, Place], T]) -> T | None:
        """Parse p-SQL held in the string at `at`; origins and diagnostics point into it."""

        inside = _Inside(at)
        try:
            return reader(text, inside)
        except PesqlError as exc:
            for d in exc.diagnostics:
                self.collector.add(dataclasses.replace(d, origin=inside(d.origin)))
            return None


def _clause_hint(step: str, key: str, naming: Naming) -> str:
    """What to do with a key a compact step does not take: another step's keyword is a step of
    its own (repair splits such an object only when its keys come in SQL's order)."""
    other = lookup(key, naming)
    if other is not None and other.name in CLAUSES:
        return (
            f'`{key}` is a step of its own: write it as its own object ({{"{key}": "..."}}), '
            "one object per step, in the order the steps run"
        )
    keys = [k for k, _, _ in CLAUSES[step]]
    if len(keys) == 1:
        return f"a {step} step object has the one key {step}"
    return f"{step} takes {', '.join(keys)}"


class _Inside:
    """The place of a node of p-SQL held in the JSON string at `at`: its span in the string.
    `offsets` (a one-line string: the steps form's steps, the compact form's expressions)
    gives it without the Span the reader would build only to be wrapped."""

    __slots__ = ("at",)

    def __init__(self, at: A.Pointer) -> None:
        self.at = at

    def __call__(self, origin: A.Origin | None) -> A.Origin:
        return A.InString(self.at, origin) if isinstance(origin, A.Span) else self.at

    def offsets(self, start: int, end: int) -> A.Origin:
        return A.InString(self.at, make_span(1, start + 1, 1, end + 1))


def from_form(
    value: str | bytes | JSONValue,
    form: Form = "tree",
    naming: Naming = DEFAULT_NAMING,
    offered: Collection[str] | None = None,
    *,
    text: str | None = None,
) -> A.Plan:
    """Lower function-call arguments written in `form` to a plan (see the module docstring).

    With `offered` (canonical operation names, e.g. a profile's `ops`), an operation outside
    the set is an error (E159) naming the offered ones closest to it. `text`: the JSON text an
    already parsed `value` was read from, if the caller has it (one regex pass over it then
    rules out invalid Unicode, instead of a dump of the value)."""
    if isinstance(value, str):
        text = value
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as exc:
            hint = "the input may be repairable: see pesql.repair"
            raise PesqlError(
                [Diagnostic.make("E150", A.Pointer(""), problem=str(exc), hints=(hint,))]
            ) from None
    lowering = FormLowering(naming, form)
    plan = lowering.plan(value, text=text)
    lowering.collector.raise_if_errors()
    if offered is not None:
        problems = not_offered(plan, offered, naming)
        if problems:
            raise PesqlError(problems)
    return plan


def not_offered(plan: A.Plan, offered: Collection[str], naming: Naming) -> list[Diagnostic]:
    """E159 for every operation of the plan outside `offered`, with the closest offered ones."""
    out = []
    for node in plan.walk():
        if not isinstance(node, A.Call | A.Step):
            continue
        spec = spec_of(node)
        if spec.name in offered:
            continue
        pool = [
            naming.exposed(s)
            for s in offered
            if (_category(s) == "step") == (spec.category == "step")
        ]
        close = nearest(spec.name, pool) or sorted(pool)[:8]
        hint = "offered here: " + ", ".join(close)
        out.append(
            Diagnostic.make("E159", node.origin, name=naming.exposed(spec.name), hints=(hint,))
        )
    return out


def _category(name: str) -> str:
    spec = lookup(name)
    return "unknown" if spec is None else spec.category


# --- printing ----------------------------------------------------------------------------
def to_form(
    plan: A.Plan, form: Form = "tree", naming: Naming = DEFAULT_NAMING, *, full: bool = False
) -> dict[str, JSONValue]:
    """The canonical arguments of `plan` in `form` (short unless `full`; see the docstring)."""
    if form == "text":
        return {"plan": to_text(plan)}
    if form == "steps":
        head = [] if plan.table is None else [f"FROM {quote_name(plan.table)}"]
        return {"steps": head + [step_text(s) for s in plan.steps]}
    out: dict[str, JSONValue] = {}
    if plan.table is not None or full:
        out["table"] = plan.table
    if form == "compact":
        out["steps"] = [_clause_object(s, naming, full) for s in plan.steps]
    else:
        out["steps"] = [_node(s, form, naming, full) for s in plan.steps]
    return out


def _clause_object(step: A.Step, naming: Naming, full: bool) -> dict[str, JSONValue]:
    out = step_clauses(step, naming)
    if full:  # strict mode: every clause, null where it holds the default, in schema order
        name = spec_of(step).name
        own = naming.exposed(name)
        keys = [own, *(key for key, _, _ in CLAUSES[name] if key != name)]
        out = {key: out.get(key) for key in keys}
    return out


def _node(node: A.Node, form: Form, naming: Naming, full: bool) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {}
    if isinstance(node, A.Call | A.Step):
        out["op"] = naming.exposed(spec_of(node).name)
    for f in fields_of(type(node)):
        value = getattr(node, f.name)
        if not full and _is_default(f, value):
            continue
        out[f.wire] = _field(f, value, form, naming, full)
    return out


def _is_default(f: FieldSpec, value: object) -> bool:
    if f.required:
        return False
    # `type(...) is` so that 0 never counts as the default False (or 1 as True).
    return value == f.default and type(value) is type(f.default)


def _field(f: FieldSpec, value: Any, form: Form, naming: Naming, full: bool) -> JSONValue:
    if value is None:
        return None
    if f.kind == "expr":
        return _expr(value, form, naming, full)
    if f.kind == "exprs":
        return [_expr(v, form, naming, full) for v in value]
    if f.kind == "records":
        return [_node(v, form, naming, full) for v in value]
    if f.kind == "columns":
        return list(value)
    return value


def _expr(expr: A.Expr, form: Form, naming: Naming, full: bool) -> JSONValue:
    if form == "compact":
        return expr_text(expr)
    match expr:
        case A.Col(name=name):
            return name
        case A.Lit(value=value):
            return literal_json(value)
    if full and positional_call(spec := spec_of(expr)):
        # Strict mode's one generic call object (grammar/positional.py).
        fields = fields_of(type(expr))
        values = [getattr(expr, f.name) for f in fields]
        written = [_field(f, v, form, naming, full) for f, v in zip(fields, values, strict=True)]
        if [f.wire for f in fields] == ["args"]:  # variadic: `args` by name already
            return {"op": naming.exposed(spec.name), "args": written[0]}
        defaults = [_is_default(f, v) or v is None for f, v in zip(fields, values, strict=True)]
        return {"op": naming.exposed(spec.name), "args": arguments(spec, written, defaults)}
    return _node(expr, form, naming, full)


__all__ = ["FORMS", "Form", "FormLowering", "from_form", "not_offered", "to_form"]
