"""Plan-aware readings of a JSON value: what the registry says a broken shape can mean.

The generic layer (`lenient_json`) knows JSON; this module knows which properties belong to
which operation, and turns one JSON value into every plan-shaped reading of it, each with the
fixes that produced it. `repair.py` lowers every reading and refuses when two differ.

    >>> [(v["op"], [f.kind for f in fixes]) for v, fixes in
    ...  Shapes().item({"left": "a", "right": "b", "op": "sub_abs"}, "expr", A.Pointer(""))]
    [('SUB_ABS', ['op_case'])]

Readings (one `Fix` each, `position` -1 and a JSON `pointer`):
- `op_case`, `op_alias`: an op name in another case or as an alias, spelled as exposed.
- `infer_op`: an object without `op` whose properties fit operations: one reading per fitting
  operation (so two fits are two readings, and `repair` refuses them as ambiguous).
- `literal_shape`: `{"value": 5}` as `5`, `{"value": "x"}` as a text literal (next to the op
  readings it also fits), `"type": "text"` as `"string"`.
- `move_property`: `{"expr": {"op": "SUB_ABS", "left": "a"}, "right": "b"}`: a property that
  is not the object's own, moved into the last-value chain of the property before it (one
  reading per object on the chain that lacks it).
- `split_step`: `[{"op": "FILTER"}, {"where": ...}]`: an object without `op` whose properties
  are all missing from the object before it, merged into it (the unmerged list is a reading too).
- `wrap_steps`, `unwrap`: a bare array of steps (or one step), `[plan]`, `{"arguments": plan}`.

Bounds: at most `MAX_READINGS` readings per value (`overflow` is set when more exist); the walk
recurses once per nesting level, which the scanner bounds (64).
"""

from __future__ import annotations

import copy
import json
import time
from typing import Literal, TypeAlias, TypeVar

from pesql.compiler.repair.json.fixes import Fix, FixKind, JSONValue
from pesql.grammar import ast as A
from pesql.grammar.jsonform import LITERAL_TYPES
from pesql.grammar.registry import DEFAULT_NAMING, FieldSpec, Naming, all_ops, fields_of, lookup

MAX_READINGS = 64
# The hard budget of one repair: readings built in all (each costs a copy of part of the input)
# and CPU time (not wall time: a loaded machine must not refuse what an idle one repairs).
# An input with more readings than this is refused (E404), never a long wait.
MAX_WORK = 200_000
MAX_SECONDS = 2.0


class RepairBudgetExceeded(Exception):
    """The readings of one input ran past `MAX_WORK` or `MAX_SECONDS` (repair says E404)."""


Role: TypeAlias = Literal["plan", "step", "expr"] | type[A.Node]
# A property's content: None (a leaf), or (is_list, role of the value or of each item).
Child: TypeAlias = tuple[bool, Role] | None
Reading: TypeAlias = tuple[JSONValue, tuple[Fix, ...]]
# An object with its op settled, and what its properties hold (None: unknown, left as is).
Base: TypeAlias = tuple[JSONValue, tuple[Fix, ...], "dict[str, Child] | None"]
T = TypeVar("T")

_PLAN_CHILDREN: dict[str, Child] = {"table": None, "steps": (True, "step")}
_TYPE_WORDS = {"text": "string", "str": "string", "varchar": "string", "timestamp": "datetime"}
_BARE_TYPES = {None, "integer", "int", "float", "number", "boolean", "bool", "null"}
_WRAPPED = '{"table": null, "steps": [...]}'
_WRAPPERS = ({"arguments"}, {"name", "arguments"}, {"plan"}, {"parameters"})


def _child(f: FieldSpec) -> Child:
    if f.kind == "expr":
        return (False, "expr")
    if f.kind == "exprs":
        return (True, "expr")
    if f.kind == "records" and f.record is not None:
        return (True, f.record)
    return None


def _children(cls: type[A.Node]) -> dict[str, Child]:
    return {f.wire: _child(f) for f in fields_of(cls)}


def _fix(kind: FixKind, before: str, after: str, at: A.Pointer) -> Fix:
    return Fix(kind, -1, before, after, str(at))


class Shapes:
    """Readings of JSON values as plan parts, for one naming profile."""

    def __init__(self, naming: Naming | None = None) -> None:
        self.naming = naming or DEFAULT_NAMING
        self.overflow = False  # more readings existed than MAX_READINGS
        self.work = 0  # readings built so far, against MAX_WORK
        self.deadline = time.process_time() + MAX_SECONDS
        # Readings of a value by (id, role, pointer): an object without `op` has one base per
        # operation it fits, and each base reads the same children again. Without this the
        # work is exponential in the nesting (`{"value": {"value": ...}}`, 4 levels ~ 1 min).
        # The value is kept in the entry, so its id cannot be reused while the entry lives.
        self._memo: dict[tuple[int, str, A.Pointer], tuple[JSONValue, list[Reading]]] = {}

    # -- roots ------------------------------------------------------------------------------

    def plans(self, value: JSONValue) -> list[Reading]:
        """Every reading of a whole value as a plan."""
        out: list[Reading] = []
        for root, fixes in self._roots(value):
            out.extend((v, fixes + f) for v, f in self.item(root, "plan", A.Pointer("")))
        return self._cap(out)

    def _roots(self, value: JSONValue) -> list[Reading]:
        root = A.Pointer("")
        if isinstance(value, list):
            if len(value) == 1 and isinstance(value[0], dict) and "steps" in value[0]:
                return [(value[0], (_fix("unwrap", "[...]", "{...}", root),))]
            if all(isinstance(v, dict) for v in value):
                plan: JSONValue = {"table": None, "steps": value}
                return [(plan, (_fix("wrap_steps", "[...]", _WRAPPED, root),))]
        if isinstance(value, dict) and "steps" not in value:
            if set(value) in _WRAPPERS:
                inner = value.get("arguments", value.get("plan", value.get("parameters")))
                if isinstance(inner, dict | list):
                    key = next(k for k in value if k != "name")
                    return [(r, (_fix("unwrap", key, "", root), *f)) for r, f in self._roots(inner)]
            if self.children_of(value, "step") is not None:
                one: JSONValue = {"table": None, "steps": [value]}
                return [(one, (_fix("wrap_steps", "{...}", _WRAPPED, root),))]
        return [(value, ())]

    # -- objects ----------------------------------------------------------------------------

    def item(self, value: JSONValue, role: Role, at: A.Pointer) -> list[Reading]:
        """Readings of one value standing where `role` is expected."""
        if not isinstance(value, dict):
            return [(value, ())]
        key = (id(value), role if isinstance(role, str) else role.__name__, at)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        readings = self._item(value, role, at)
        self._memo[key] = (value, readings)
        return readings

    def _item(self, value: dict[str, JSONValue], role: Role, at: A.Pointer) -> list[Reading]:
        out: list[Reading] = []
        for base, fixes, children in self._bases(value, role, at):
            if len(out) > MAX_READINGS:
                # `_cap` keeps the first MAX_READINGS: the readings of the later bases would be
                # built only to be dropped (an object of one `value` fits ~30 ops, and a chain
                # of them cost 3.5 ms a level; issue 21's fuzz found a 32-level one).
                break
            if children is None or not isinstance(base, dict):
                out.append((base, fixes))
                continue
            for moved, move_fixes in self._moves(base, children, at):
                for v, f in self._properties(moved, children, at):
                    out.append((v, fixes + move_fixes + f))
        return self._cap(out)

    def children_of(self, value: dict[str, JSONValue], role: Role) -> dict[str, Child] | None:
        if role == "plan":
            return _PLAN_CHILDREN
        if not isinstance(role, str):
            return _children(role)
        op = value.get("op")
        spec = lookup(op, self.naming) if isinstance(op, str) else None
        if spec is None or (spec.category == "step") != (role == "step"):
            return None
        return {"op": None, **_children(spec.cls)}

    def _bases(self, value: dict[str, JSONValue], role: Role, at: A.Pointer) -> list[Base]:
        """The object with its op settled: as written, renamed, or inferred (one per fit)."""
        if role == "plan" or not isinstance(role, str):
            return [(value, (), self.children_of(value, role))]
        op = value.get("op")
        if "op" in value:
            children = self.children_of(value, role)
            if not isinstance(op, str) or children is None:
                return [(value, (), None)]  # lowering reports the unknown or misplaced op
            spec = lookup(op, self.naming)
            assert spec is not None
            shown = self.naming.exposed(spec.name)
            if op == shown:
                return [(value, (), children)]
            kind: FixKind = "op_case" if op.strip().upper() == shown.upper() else "op_alias"
            return [({**value, "op": shown}, (_fix(kind, op, shown, at.child("op")),), children)]
        out: list[Base] = []
        if role == "expr":
            out.extend((lit, fixes, None) for lit, fixes in self._literals(value, at))
            if out and not out[0][1]:
                return out  # a canonical literal: the wire format gives it no other reading
        keys = set(value)
        for spec in all_ops():
            if (spec.category == "step") != (role == "step"):
                continue
            wires = {f.wire for f in spec.fields}
            if keys <= wires and {f.wire for f in spec.fields if f.required} <= keys:
                shown = self.naming.exposed(spec.name)
                fix = _fix("infer_op", "", shown, at.child("op"))
                out.append(({"op": shown, **value}, (fix,), {"op": None, **_children(spec.cls)}))
        return out or [(value, (), None)]

    def _literals(self, value: dict[str, JSONValue], at: A.Pointer) -> list[Reading]:
        if "value" not in value or not set(value) <= {"value", "type"}:
            return []
        inner, kind = value["value"], value.get("type")
        if isinstance(inner, str):
            if kind in LITERAL_TYPES:
                return [(value, ())]
            if kind is None or (isinstance(kind, str) and kind.lower() in _TYPE_WORDS):
                canon = "string" if kind is None else _TYPE_WORDS[kind.lower()]
                fix = _fix("literal_shape", json.dumps(kind), json.dumps(canon), at.child("type"))
                return [({"value": inner, "type": canon}, (fix,))]
            return []
        if isinstance(inner, dict | list) or kind not in _BARE_TYPES:
            return []
        return [(inner, (_fix("literal_shape", '{"value": ...}', json.dumps(inner), at),))]

    def _moves(
        self, value: dict[str, JSONValue], children: dict[str, Child], at: A.Pointer
    ) -> list[tuple[dict[str, JSONValue], tuple[Fix, ...]]]:
        """Properties that are not the object's own, moved where an early `}` took them from."""
        readings: list[tuple[dict[str, JSONValue], tuple[Fix, ...]]] = [(value, ())]
        anchor: str | None = None
        for key in value:
            if key in children:
                anchor = key
                continue
            if anchor is None:
                continue
            targets = self._targets(value, children, anchor, key)
            if not targets:
                continue
            grown = []
            for base, fixes in readings:
                for path in targets:
                    moved = copy.deepcopy(base)
                    node: JSONValue = moved
                    for step in path:
                        node = node[step]  # type: ignore[index]
                    assert isinstance(node, dict)
                    node[key] = moved.pop(key)
                    where = at.child(*path, key)
                    grown.append((moved, (*fixes, _fix("move_property", key, str(where), where))))
            readings = self._cap(grown)
        return readings

    def _targets(
        self, value: dict[str, JSONValue], children: dict[str, Child], anchor: str, key: str
    ) -> list[list[str | int]]:
        """Paths to objects on the last-value chain below `anchor` that lack `key` and own it."""
        out: list[list[str | int]] = []
        node, child = value[anchor], children[anchor]
        path: list[str | int] = [anchor]
        while child is not None:
            many, role = child
            if many:
                if not isinstance(node, list) or not node:
                    break
                path = [*path, len(node) - 1]
                node = node[-1]
            if not isinstance(node, dict) or not node:
                break
            own = self.children_of(node, role)
            if own is None and role == "expr" and set(node) <= {"value", "type"}:
                own = {"value": None, "type": None}  # a literal closed before its `type`
            if own is None:
                break
            if key in own and key not in node:
                out.append(list(path))
            last = next(reversed(node))
            node, child, path = node[last], own.get(last), [*path, last]
        return out

    def _properties(
        self, value: dict[str, JSONValue], children: dict[str, Child], at: A.Pointer
    ) -> list[Reading]:
        results: list[tuple[dict[str, JSONValue], tuple[Fix, ...]]] = [({}, ())]
        for key, raw in value.items():
            child = children.get(key)
            if child is None:
                alts: list[Reading] = [(raw, ())]
            elif child[0]:
                alts = self.items(raw, child[1], at.child(key))
            else:
                alts = self.item(raw, child[1], at.child(key))
            results = _extend(results, key, alts)
        return self._cap(list(results))

    # -- arrays -----------------------------------------------------------------------------

    def items(self, value: JSONValue, role: Role, at: A.Pointer) -> list[Reading]:
        """Readings of an array whose items stand where `role` is expected."""
        if not isinstance(value, list):
            return self.item(value, role, at)
        out: list[Reading] = []
        for merged, fixes in self._merges(value, role, at):
            results: list[tuple[list[JSONValue], tuple[Fix, ...]]] = [([], fixes)]
            for i, raw in enumerate(merged):
                alts = self.item(raw, role, at.child(i))
                if len(alts) == 1:  # the common case: extend in place, linear in the array
                    for items, _ in results:
                        items.append(alts[0][0])
                    results = [(items, f + alts[0][1]) for items, f in results]
                else:
                    results = [([*items, v], f + g) for items, f in results for v, g in alts]
                    results = self._cap(results)
            out.extend(results)
        return self._cap(out)

    def _merges(
        self, value: list[JSONValue], role: Role, at: A.Pointer
    ) -> list[tuple[list[JSONValue], tuple[Fix, ...]]]:
        merged: list[JSONValue] = []
        fixes: list[Fix] = []
        for i, raw in enumerate(value):
            last = merged[-1] if merged else None
            if isinstance(last, dict) and isinstance(raw, dict) and raw and "op" not in raw:
                own = self.children_of(last, role)
                if own is not None and set(raw) <= set(own) - set(last):
                    merged[-1] = {**last, **raw}
                    fixes.append(_fix("split_step", "}, {", ", ", at.child(i)))
                    continue
            merged.append(raw)
        if not fixes:
            return [(value, ())]
        return [(merged, tuple(fixes)), (value, ())]

    def _cap(self, readings: list[T]) -> list[T]:
        self.spend(len(readings))
        if len(readings) > MAX_READINGS:
            self.overflow = True
            return readings[:MAX_READINGS]
        return readings

    def spend(self, work: int) -> None:
        """Count `work` readings against the budget; raise when it or the time is used up."""
        self.work += work
        if self.work > MAX_WORK or time.process_time() > self.deadline:
            budget = f"at most {MAX_WORK} readings in {MAX_SECONDS:g} s of CPU"
            raise RepairBudgetExceeded(f"{self.work} readings built ({budget})")


def _extend(
    results: list[tuple[dict[str, JSONValue], tuple[Fix, ...]]], key: str, alts: list[Reading]
) -> list[tuple[dict[str, JSONValue], tuple[Fix, ...]]]:
    if len(alts) == 1:
        value, more = alts[0]
        for obj, _ in results:
            obj[key] = value
        return [(obj, fixes + more) for obj, fixes in results]
    return [({**obj, key: v}, fixes + more) for obj, fixes in results for v, more in alts]


__all__ = [
    "MAX_READINGS",
    "MAX_SECONDS",
    "MAX_WORK",
    "Reading",
    "RepairBudgetExceeded",
    "Role",
    "Shapes",
]
