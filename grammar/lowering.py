"""JSON -> AST, the strict half: one pass over function-call arguments, every problem collected.

`Lowering` walks a parsed JSON value by the registry's field declarations and builds the AST
with a JSON pointer on every node. It is lenient only where that is unambiguous (optional
properties may be missing; op names in any case, as an alias, or as a profile's rename) and
reports unknown properties, wrong JSON types and out-of-range options as diagnostics.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pesql.grammar import ast as A
from pesql.grammar.diagnostics import nearest
from pesql.grammar.habits import function_hint, step_hint
from pesql.grammar.literals import parse_temporal
from pesql.grammar.lowering_fields import FieldLowering, json_type
from pesql.grammar.numbers import (
    LongInteger,
    describe_number,
    first_surrogate,
    int_hint,
    int_problem,
    json_text_is_valid_unicode,
)
from pesql.grammar.positional import lower_positional, takes_positional
from pesql.grammar.registry import all_ops, lookup

JSONValue = Any
MAX_JSON_DEPTH = 64
_MAX_REPORTED = 20  # E158 diagnostics per input: enough to fix them, never a flood
# Expressions and operation objects lowered per input: far beyond the compiler's node bound
# (SizeLimits.max_nodes), so lowering stops early (E306) instead of building a huge tree.
MAX_JSON_NODES = 10_000


class _TooLarge(Exception):
    pass


LITERAL_TYPES = ("string", "date", "datetime")


class Lowering(FieldLowering):
    def plan(self, value: JSONValue, *, text: str | None = None) -> A.Plan:
        """The plan of `value`; `text`: the JSON text it was read from, if any (see
        `surrogates`)."""
        root = A.Pointer("")
        if self.surrogates(value, root, text):
            return A.Plan(origin=root)
        if isinstance(value, list):
            self.fail(
                "E154",
                root,
                expected='an object {"table": ..., "steps": [...]}',
                found="array",
                hints=('wrap the steps: {"table": null, "steps": [...]}',),
            )
            return A.Plan(origin=root)
        if not isinstance(value, dict):
            self.fail("E154", root, expected="an object", found=json_type(value))
            return A.Plan(origin=root)
        for key in value:
            if key not in ("table", "steps"):
                self.fail(
                    "E153",
                    root.child(key),
                    name="plan",
                    prop=key,
                    hints=("a plan has `table` and `steps`",),
                )
        table = value.get("table")
        if table is not None and not isinstance(table, str):
            self.fail(
                "E154", root.child("table"), expected="string or null", found=json_type(table)
            )
            table = None
        raw_steps = value.get("steps")
        if not isinstance(raw_steps, list):
            if "steps" not in value:
                self.fail("E152", root, name="plan", prop="steps")
            else:
                self.fail("E154", root.child("steps"), expected="array", found=json_type(raw_steps))
            return A.Plan(table=table, origin=root)
        steps = []
        try:
            for i, raw in enumerate(raw_steps):
                step = self.node(raw, root.child("steps", i), want="step", depth=1)
                if isinstance(step, A.Step):
                    steps.append(step)
        except _TooLarge:
            found, limit = f"more than {MAX_JSON_NODES} nodes", f"{MAX_JSON_NODES} nodes"
            self.fail("E306", root, found=found, expected=limit)
        return A.Plan(table=table, steps=tuple(steps), origin=root)

    def surrogates(self, value: JSONValue, root: A.Pointer, text: str | None = None) -> bool:
        """E158 for each string (key or value) that is not valid Unicode; whether any was.

        One pass before lowering, so no stage after it meets a string it cannot encode.
        Iterative: a hostile value may nest deeper than the recursion limit."""
        if text is not None and json_text_is_valid_unicode(text):
            return False  # the text it was read from shows none, raw or escaped: no dump
        try:
            # The usual case, valid Unicode everywhere, in one C-level pass: every key and
            # string lands in the dump as it is. Too deep or not JSON: the walk below decides.
            if first_surrogate(json.dumps(value, ensure_ascii=False)) is None:
                return False
        except (TypeError, ValueError, RecursionError):
            pass
        found = 0
        # (value, its parent's pointer, its key there, depth): pointers are built only for
        # containers and for the strings reported, not for every leaf.
        stack: list[tuple[JSONValue, A.Pointer, str | int | None, int]] = [(value, root, None, 0)]
        while stack and found < _MAX_REPORTED:
            item, parent, key, depth = stack.pop()
            at = parent if key is None else None
            if isinstance(item, str):
                index = first_surrogate(item)
                if index is not None:
                    found += 1
                    where = at or parent.child(key if key is not None else "")
                    self.fail("E158", where, found="a string", problem=f"U+{ord(item[index]):04X}")
                continue
            if depth > MAX_JSON_DEPTH or not isinstance(item, dict | list):
                continue  # lowering reports E302 below the depth limit; nothing there is read
            at = at or parent.child(key if key is not None else "")
            if isinstance(item, list):
                stack.extend((child, at, i, depth + 1) for i, child in enumerate(item))
                continue
            for name, child in item.items():
                text = name if isinstance(name, str) else ""
                index = first_surrogate(text)
                if index is not None:
                    found += 1
                    problem = f"U+{ord(text[index]):04X}"
                    self.fail("E158", at, found="a property name", problem=problem)
                    continue
                stack.append((child, at, text, depth + 1))
        return found > 0

    def node(self, raw: JSONValue, at: A.Pointer, want: str, depth: int) -> A.Node | None:
        """An operation object: a step (`want="step"`) or an expression call."""
        self.count()
        if depth > MAX_JSON_DEPTH:
            self.fail("E302", at, found=str(depth), expected=str(MAX_JSON_DEPTH))
            return None
        if not isinstance(raw, dict):
            self.fail("E154", at, expected=f'a {want} object with "op"', found=json_type(raw))
            return None
        op = raw.get("op")
        if not isinstance(op, str):
            if "op" not in raw:
                self.fail("E152", at, name=want, prop="op")
            else:
                self.fail("E154", at.child("op"), expected="string", found=json_type(op))
            return None
        spec = lookup(op, self.naming)
        if spec is None:
            pool = [
                self.naming.exposed(s.name)
                for s in all_ops()
                if (s.category == "step") == (want == "step")
            ]
            close = nearest(op.upper(), pool)
            habit = function_hint(op) if want != "step" else step_hint(op)
            hints: tuple[str, ...] = (habit,) if habit else ()
            if close:
                hints += ("did you mean " + " or ".join(close) + "?",)
            self.fail("E151", at.child("op"), name=op, hints=hints)
            return None
        if (spec.category == "step") != (want == "step"):
            kind = "a step" if spec.category == "step" else "an expression"
            self.fail(
                "E156",
                at.child("op"),
                name=spec.name,
                kind=kind,
                hints=("steps go in the `steps` array; expressions inside steps",),
            )
            return None
        if takes_positional(raw, spec):  # strict tree form: {"op": NAME, "args": [...]}
            return lower_positional(self, raw, spec, at, depth)
        return self.fields(spec.cls, raw, at, depth, label=spec.name, skip=("op",))

    def count(self) -> None:
        self.lowered += 1
        if self.lowered > MAX_JSON_NODES:
            raise _TooLarge

    def expr(self, raw: JSONValue, at: A.Pointer, depth: int) -> A.Expr | None:
        if not isinstance(raw, dict):
            self.count()  # objects count in `node`
        match raw:
            case str():
                if not raw:
                    self.fail(
                        "E155",
                        at,
                        found='""',
                        prop="column",
                        hints=(
                            'a string is a column name; text is {"value": "...", "type": "string"}',
                        ),
                    )
                    return None
                return A.Col(name=raw, origin=at)
            case bool() | None:
                return A.Lit(value=raw, origin=at)
            case int() | LongInteger():
                problem = int_problem(raw)
                if problem is None and isinstance(raw, int):
                    return A.Lit(value=raw, origin=at)
                self.fail(
                    "E157",
                    at,
                    found=describe_number(raw),
                    expected=problem,
                    hints=(int_hint(raw),),
                )
                return None
            case float():
                if not math.isfinite(raw):
                    self.fail(
                        "E155",
                        at,
                        found=repr(raw),
                        prop="number",
                        hints=("numbers must be finite",),
                    )
                    return None
                return A.Lit(value=raw, origin=at)
            case {"value": value, **rest} if "op" not in raw:
                return self.typed_literal(value, {str(k): v for k, v in rest.items()}, at)
            case dict():
                node = self.node(raw, at, want="expression", depth=depth)
                return node if isinstance(node, A.Expr) else None
        self.fail(
            "E154",
            at,
            expected="an expression (column name, number, boolean, null, "
            '{"value": ...} or {"op": ...})',
            found=json_type(raw),
        )
        return None

    def typed_literal(
        self, value: JSONValue, rest: dict[str, JSONValue], at: A.Pointer
    ) -> A.Expr | None:
        kind = rest.pop("type", "string")
        for key in rest:
            self.fail("E153", at.child(key), name="literal", prop=key)
        if kind not in LITERAL_TYPES:
            self.fail(
                "E155",
                at.child("type"),
                found=json.dumps(kind),
                prop="type",
                expected=", ".join(LITERAL_TYPES),
            )
            return None
        if not isinstance(value, str):
            self.fail(
                "E154",
                at.child("value"),
                expected="string",
                found=json_type(value),
                hints=("numbers, booleans and null are written bare",),
            )
            return None
        if kind == "string":
            return A.Lit(value=value, origin=at)
        parsed = parse_temporal(value, kind == "datetime")
        if parsed is None:
            self.fail(
                "E106",
                at.child("value"),
                kind=kind,
                found=json.dumps(value),
                hints=("dates are YYYY-MM-DD, datetimes YYYY-MM-DD HH:MM:SS",),
            )
            return None
        return A.Lit(value=parsed, origin=at)


__all__ = ["LITERAL_TYPES", "MAX_JSON_DEPTH", "MAX_JSON_NODES", "Lowering", "json_type"]
