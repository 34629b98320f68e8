"""Positional calls: `{"op": "SUB_ABS", "args": ["price", "cost"]}`, the strict tree form's
one generic call object (grammar/jsonschema.positional_call says which operations).

Strict mode needs a closed object per call shape; with named arguments that is 25 objects
and ~4,000 tokens of definition. One object whose `args` are the arguments in the order of
the p-SQL call (`SUB_ABS(left, right)`) holds every plain call, and the signatures go into
the description: 2,771 tokens (docs/benchmarks.md "Wire forms").

Reading maps the arguments onto the declared fields and lowers the named object, then moves
every pointer from `/.../right` to `/.../args/1`, so diagnostics name what the model wrote:

    >>> from pesql.grammar.registry import lookup
    >>> named({"op": "ROUND", "args": ["x", 2]}, lookup("ROUND"))
    {'op': 'ROUND', 'value': 'x', 'digits': 2}
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from pesql.grammar import ast as A
from pesql.grammar.declare import OpSpec

if TYPE_CHECKING:
    from pesql.grammar.lowering_fields import FieldLowering

JSONValue = Any


def named(raw: dict[str, JSONValue], spec: OpSpec) -> dict[str, JSONValue]:
    """The named object of a positional call (`args` beyond the fields are left to the
    caller to report; other properties are kept, so the lowering reports them)."""
    out = {k: v for k, v in raw.items() if k != "args"}
    out.update({f.wire: v for f, v in zip(spec.fields, raw["args"], strict=False)})
    return out


def takes_positional(raw: JSONValue, spec: OpSpec | None) -> bool:
    """Whether `raw` is a positional call of `spec` (variadic calls hold `args` by name)."""
    return (
        spec is not None
        and spec.category != "step"
        and isinstance(raw, dict)
        and isinstance(raw.get("args"), list)
        and all(f.wire != "args" for f in spec.fields)
    )


def moved(origin: A.Origin | None, at: A.Pointer, spec: OpSpec, count: int) -> A.Origin | None:
    """`origin` with the named field's pointer replaced by its position in `args`."""
    pointer = origin.pointer if isinstance(origin, A.InString) else origin
    if not isinstance(pointer, A.Pointer):
        return origin
    for i, f in enumerate(spec.fields[:count]):
        prefix = at.child(f.wire).path
        if pointer.path == prefix or pointer.path.startswith(prefix + "/"):
            new = A.Pointer(at.child("args", i).path + pointer.path[len(prefix) :])
            if isinstance(origin, A.InString):
                return dataclasses.replace(origin, pointer=new)
            return new
    return origin


def lower_positional(
    lowering: FieldLowering, raw: dict[str, JSONValue], spec: OpSpec, at: A.Pointer, depth: int
) -> A.Node | None:
    """Lower a positional call of `spec` (`takes_positional`) as its named object."""
    count = len(raw["args"])
    if count > len(spec.fields):
        signature = ", ".join(f.wire for f in spec.fields)
        hint = f"{lowering.naming.exposed(spec.name)}({signature})"
        found = f"{count} arguments"
        lowering.fail("E155", at.child("args"), found=found, prop="args", hints=(hint,))
        return None
    items = lowering.collector.items
    start = len(items)
    node = lowering.fields(spec.cls, named(raw, spec), at, depth, label=spec.name, skip=("op",))
    items[start:] = [
        dataclasses.replace(d, origin=moved(d.origin, at, spec, count)) for d in items[start:]
    ]
    if node is None:
        return None
    return node.transform(lambda n: dataclasses.replace(n, origin=moved(n.origin, at, spec, count)))


def arguments(spec: OpSpec, values: list[JSONValue], defaults: list[bool]) -> list[JSONValue]:
    """The `args` of a positional call: every field's value in order, trailing ones holding
    their default left out (`ROUND(x)`, not `ROUND(x, null)`)."""
    end = len(values)
    while end and defaults[end - 1]:
        end -= 1
    return values[:end]


__all__ = ["arguments", "lower_positional", "moved", "named", "takes_positional"]
