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
from pesql.grammar.lowering_fields import FieldLowering, json_type
from pesql.grammar.parse_exprs import parse_temporal
from pesql.grammar.registry import all_ops, lookup

JSONValue = Any
MAX_JSON_DEPTH = 64
LITERAL_TYPES = ("string", "date", "datetime")


class Lowering(FieldLowering):
    def plan(self, value: JSONValue) -> A.Plan:
        root = A.Pointer("")
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
        for i, raw in enumerate(raw_steps):
            step = self.node(raw, root.child("steps", i), want="step", depth=1)
            if isinstance(step, A.Step):
                steps.append(step)
        return A.Plan(table=table, steps=tuple(steps), origin=root)

    def node(self, raw: JSONValue, at: A.Pointer, want: str, depth: int) -> A.Node | None:
        """An operation object: a step (`want="step"`) or an expression call."""
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
        return self.fields(spec.cls, raw, at, depth, label=spec.name, skip=("op",))

    def expr(self, raw: JSONValue, at: A.Pointer, depth: int) -> A.Expr | None:
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
            case bool() | int() | None:
                return A.Lit(value=raw, origin=at)
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


__all__ = ["LITERAL_TYPES", "MAX_JSON_DEPTH", "Lowering", "json_type"]
