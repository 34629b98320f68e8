"""JSON -> AST for an operation object's properties: each converted by its field declaration.

`Lowering` (grammar/lowering.py) inherits these and adds plans, operation objects and expressions.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Collector, nearest
from pesql.grammar.numbers import LongInteger, describe_number
from pesql.grammar.registry import FieldSpec, Naming, fields_of

JSONValue = Any


def json_type(value: JSONValue) -> str:
    match value:
        case LongInteger():
            return "integer"
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


# Per node class: the wire names of its properties (unknown ones are E153), and per field
# (spec, wire name, kind, required, null read as absent): read from the registry once, not
# per object lowered.
_Row = tuple[FieldSpec, str, str, bool, bool]
_LAYOUTS: dict[type[A.Node], tuple[frozenset[str], tuple[_Row, ...]]] = {}
# Kinds whose value is a non-empty string taken as it is.
_NAME_KINDS = frozenset({"column", "new_name", "table", "text"})


def _layout(cls: type[A.Node]) -> tuple[frozenset[str], tuple[_Row, ...]]:
    specs = fields_of(cls)
    rows = tuple(
        (f, f.wire, f.kind, f.required, (f.optional or not f.required) and f.kind != "expr")
        for f in specs
    )
    return frozenset(f.wire for f in specs), rows


# Per scalar field kind: the JSON types it takes, and how a wrong one is described.
_EXPECTED_TYPES: dict[str, tuple[type, ...]] = {
    "column": (str,),
    "new_name": (str,),
    "table": (str,),
    "text": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "choice": (str,),
}
_WORDS = {
    "column": "a column name (string)",
    "new_name": "a name (string)",
    "table": "a table name (string)",
    "text": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
}


class FieldLowering:
    """The diagnostics collected so far, and the conversion of properties to node fields."""

    def __init__(self, naming: Naming) -> None:
        self.naming = naming
        self.collector = Collector()
        self.lowered = 0  # expressions and operation objects so far (Lowering bounds them)

    def fail(self, code: str, at: A.Pointer, **kw: Any) -> None:
        self.collector.error(code, at, **kw)

    def expr(self, raw: JSONValue, at: A.Pointer, depth: int) -> A.Expr | None:
        raise NotImplementedError  # Lowering.expr: expression properties recurse through it

    def fields(
        self,
        cls: type[A.Node],
        raw: dict[str, JSONValue],
        at: A.Pointer,
        depth: int,
        label: str,
        skip: tuple[str, ...] = (),
    ) -> A.Node | None:
        layout = _LAYOUTS.get(cls)
        if layout is None:
            layout = _LAYOUTS[cls] = _layout(cls)
        wires, rows = layout
        ok = True
        if not wires.issuperset(raw):  # one set test for the usual object, no unknown key
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
        for f, wire, kind, required, absent_if_null in rows:
            if wire not in raw:
                if required:
                    self.fail("E152", at, name=label, prop=wire)
                    ok = False
                continue
            item = raw[wire]
            if item is None and absent_if_null:
                continue  # null means "absent" for optional properties
            if kind in _NAME_KINDS and item.__class__ is str and item:
                values[f.name] = item  # the usual name: nothing to convert, no pointer built
                continue
            converted, good = self.field(f, item, at.child(wire), depth + 1, label, cls)
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
        wanted = _EXPECTED_TYPES[kind]
        if isinstance(item, LongInteger) and kind in ("int", "float"):
            # beyond every declared bound (each numeric field has both)
            limit = f.out_of_range(item) or "a number this long is out of range"
            self.fail("E155", at, found=describe_number(item), prop=f.wire, hints=(limit,))
            return None, False
        if (isinstance(item, bool) and bool not in wanted) or not isinstance(item, wanted):
            words = "one of " + ", ".join(f.choices) if kind == "choice" else _WORDS[kind]
            self.fail("E154", at, expected=words, found=json_type(item))
            return None, False
        if isinstance(item, int | float) and not isinstance(item, bool):
            bounds = f.out_of_range(item)
            if bounds:
                self.fail("E155", at, found=describe_number(item), prop=f.wire, hints=(bounds,))
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
        if kind in ("column", "new_name", "table") and not item:
            self.fail("E155", at, found='""', prop=f.wire, hints=("names cannot be empty",))
            return None, False
        return item, True


__all__ = ["FieldLowering", "json_type"]
