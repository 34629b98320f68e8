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
from pesql.grammar.diagnostics import Collector, nearest
from pesql.grammar.parse_exprs import parse_temporal
from pesql.grammar.registry import FieldSpec, Naming, all_ops, fields_of, lookup

JSONValue = Any
MAX_JSON_DEPTH = 64
LITERAL_TYPES = ("string", "date", "datetime")


def json_type(value: JSONValue) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "boolean"
        case int():
            return "integer"
        case float():
            return "number"
        case str():
            return "string"
        case list():
            return "array"
        case dict():
            return "object"
    return type(value).__name__


class Lowering:
    def __init__(self, naming: Naming) -> None:
        self.naming = naming
        self.collector = Collector()

    def fail(self, code: str, at: A.Pointer, **kw: Any) -> None:
        self.collector.error(code, at, **kw)

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
            self.fail(
                "E151",
                at.child("op"),
                name=op,
                hints=("did you mean " + " or ".join(close) + "?",) if close else (),
            )
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

    def fields(
        self,
        cls: type[A.Node],
        raw: dict[str, JSONValue],
        at: A.Pointer,
        depth: int,
        label: str,
        skip: tuple[str, ...] = (),
    ) -> A.Node | None:
        specs = fields_of(cls)
        wires = {f.wire for f in specs}
        ok = True
        for key in raw:
            if key not in wires and key not in skip:
                close = nearest(key, wires)
                self.fail(
                    "E153",
                    at.child(key),
                    name=label,
                    prop=key,
                    hints=("did you mean " + " or ".join(close) + "?",) if close else (),
                )
                ok = False
        values: dict[str, Any] = {}
        for f in specs:
            if f.wire not in raw:
                if f.required:
                    self.fail("E152", at, name=label, prop=f.wire)
                    ok = False
                continue
            item = raw[f.wire]
            if item is None and (f.optional or not f.required) and f.kind != "expr":
                continue  # null means "absent" for optional properties
            converted, good = self.field(f, item, at.child(f.wire), depth + 1, label, cls)
            ok = ok and good
            values[f.name] = converted
        if not ok:
            return None
        try:
            return cls(**values, origin=at)
        except (TypeError, ValueError) as exc:
            self.fail("E155", at, found=str(exc), prop=label)
            return None

    def field(
        self,
        f: FieldSpec,
        item: JSONValue,
        at: A.Pointer,
        depth: int,
        label: str,
        owner: type[A.Node],
    ) -> tuple[Any, bool]:
        kind = f.kind
        if kind == "expr":
            if item is None and f.optional:
                return None, True
            expr = self.expr(item, at, depth)
            return expr, expr is not None
        if kind in ("exprs", "columns", "records"):
            if not isinstance(item, list):
                self.fail("E154", at, expected="array", found=json_type(item))
                return None, False
            # Required lists are non-empty (as in the text grammar); AND/OR need two.
            minimum = getattr(owner, "min_args", 1) if f.required else 0
            if len(item) < minimum:
                self.fail(
                    "E155",
                    at,
                    found="[]" if not item else f"{len(item)} item",
                    prop=f.wire,
                    hints=(f"`{label}` needs at least {minimum} here",),
                )
                return None, False
            if kind == "exprs":
                exprs = [self.expr(v, at.child(i), depth) for i, v in enumerate(item)]
                return tuple(exprs), all(e is not None for e in exprs)
            if kind == "columns":
                bad = [i for i, v in enumerate(item) if not isinstance(v, str)]
                for i in bad:
                    self.fail(
                        "E154",
                        at.child(i),
                        expected="a column name (string)",
                        found=json_type(item[i]),
                    )
                return tuple(item), not bad
            assert f.record is not None
            records: list[A.Node | None] = []
            for i, v in enumerate(item):
                if not isinstance(v, dict):
                    self.fail("E154", at.child(i), expected="object", found=json_type(v))
                    records.append(None)
                else:
                    records.append(
                        self.fields(
                            f.record, v, at.child(i), depth + 1, label=f.record.__name__.lower()
                        )
                    )
            return tuple(records), all(r is not None for r in records)
        expected_types: dict[str, tuple[type, ...]] = {
            "column": (str,),
            "new_name": (str,),
            "text": (str,),
            "int": (int,),
            "float": (int, float),
            "bool": (bool,),
            "choice": (str,),
        }
        wanted = expected_types[kind]
        if (isinstance(item, bool) and bool not in wanted) or not isinstance(item, wanted):
            words = {
                "column": "a column name (string)",
                "new_name": "a name (string)",
                "text": "string",
                "int": "integer",
                "float": "number",
                "bool": "boolean",
                "choice": "one of " + ", ".join(f.choices),
            }
            self.fail("E154", at, expected=words[kind], found=json_type(item))
            return None, False
        if isinstance(item, int | float) and not isinstance(item, bool):
            bounds = f.out_of_range(item)
            if bounds:
                self.fail("E155", at, found=str(item), prop=f.wire, hints=(bounds,))
                return None, False
            if kind == "float":
                if not math.isfinite(item):
                    self.fail("E155", at, found=repr(item), prop=f.wire)
                    return None, False
                return float(item), True
        if kind == "choice" and isinstance(item, str):
            for choice in f.choices:
                if choice.lower() == item.strip().lower():
                    return choice, True
            self.fail(
                "E155", at, found=json.dumps(item), prop=f.wire, expected=", ".join(f.choices)
            )
            return None, False
        if kind in ("column", "new_name") and not item:
            self.fail("E155", at, found='""', prop=f.wire, hints=("names cannot be empty",))
            return None, False
        return item, True

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
