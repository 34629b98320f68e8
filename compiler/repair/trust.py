"""When a repaired plan can be trusted: the fixes that may have lost or invented content.

A repair is *trusted* when the plan is exactly what the text says, up to fixes with one
meaning. It is *not trusted* (the plan is returned, `repair_or_raise` refuses it) when:

- **truncation may have lost content**: the input ended inside the value and a closer was
  added for a container that could have held more. Closing is harmless only for an object that
  already has every property its operation, record or plan declares (nothing more can follow
  in canonical JSON); an array closed at the end of input may be missing items (steps, columns,
  arguments), and an object without all its properties may be missing one;
- a string, number or literal was **cut off** at the end of input (`close_string`, a completed
  token), or the input ends in a number right where it was cut (`5` may have been `50`);
- **content was dropped**: a key without a value (`missing_value`), a stray word or an
  ellipsis (`...` in a list means the model elided items), one of two different values of a
  duplicated key (it may be the last property of an object closed early);
- **JSON-like text after the value was dropped** (`{...} {...}`, or the rest of a plan after
  a stray closer ended it early): which one is the plan?
- a bare word read as a string is not a plain identifier (`[1-2]` merged by a missing comma);
- the scanner could not explore every reading (`ScanResult.complete` is False);
- a step without `op` (its operation inferred) repeats the properties of the step before it:
  most likely the tail of that step, split off by a closer written too early.

    >>> from pesql.compiler.repair.json.lenient import scan
    >>> text = '{"table": null, "steps": [{"op": "LIMIT", "count": 5'
    >>> untrusted_reasons(text, scan(text)[0])[0]
    'the output ends early: an array or an object with missing properties was closed'
"""

from __future__ import annotations

import re

from pesql.compiler.repair.json.fixes import Fix, JSONValue
from pesql.compiler.repair.json.lenient import Candidate
from pesql.compiler.repair.shapes import Role, Shapes
from pesql.grammar.registry import Naming

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CLOSERS = ("}", "]")


def untrusted_reasons(text: str, candidate: Candidate, naming: Naming | None = None) -> list[str]:
    """Why the plan read from `candidate` may not be what the model meant (empty: trusted)."""
    reasons: list[str] = []
    fixes = candidate.fixes
    closed = sum(1 for f in fixes if f.kind == "close_truncated" and f.after in _CLOSERS)
    if closed and not _open_objects_complete(candidate.value, closed, Shapes(naming)):
        reasons.append(
            "the output ends early: an array or an object with missing properties was closed"
        )
    if closed and text.rstrip()[-1:].isdigit():
        reasons.append("the output ends in a number that may have been cut off")
    if any(_cut_token(f) for f in fixes):
        reasons.append("the output ends inside a string, number or literal")
    if any(f.kind == "duplicate_key" and f.before != f.after for f in fixes):
        # `{"value": {"op": "FLOOR"}, "value": null}` is FLOOR closed early, not a choice.
        reasons.append("a property given twice with different values: one was dropped")
    if any(f.kind == "missing_value" for f in fixes):
        reasons.append("a property without a value was dropped")
    if any(f.kind == "stray_token" and f.before.strip("{}[],:") for f in fixes):
        reasons.append("words or an ellipsis (`...`) were dropped")
    if any(f.kind == "strip_prose" and f.position > 0 and _json_like(f.before) for f in fixes):
        reasons.append("JSON-like text after the value was dropped")
    if any(f.kind == "unquoted_string" and not _IDENTIFIER.fullmatch(f.before) for f in fixes):
        reasons.append("an unquoted value that is not a plain name was read as a string")
    return reasons


def reading_reasons(value: JSONValue, fixes: tuple[Fix, ...]) -> list[str]:
    """Why a plan-shaped reading (after `op` inference and the like) may not be what was meant."""
    if any(f.kind == "infer_op" and _repeats_previous_step(value, f) for f in fixes):
        # `{"op":"FILTER","where":x},{"where":x}`: the tail of one step split off (a key given
        # twice, then a closer too early), not a step of its own.
        return ["a step without `op` repeats the step before it: it may be split off"]
    return []


def _repeats_previous_step(value: JSONValue, fix: Fix) -> bool:
    parts = fix.pointer.split("/")
    if len(parts) != 4 or parts[1] != "steps" or not parts[2].isdigit() or parts[3] != "op":
        return False
    index = int(parts[2])
    steps = value.get("steps") if isinstance(value, dict) else None
    if not isinstance(steps, list) or not 0 < index < len(steps):
        return False
    step, before = steps[index], steps[index - 1]
    if not isinstance(step, dict) or not isinstance(before, dict):
        return False
    shared = [k for k in step if k != "op"]
    return bool(shared) and all(k in before and before[k] == step[k] for k in shared)


def _json_like(dropped: str) -> bool:
    """Dropped trailing text holding structure (`, {"op": ...`), not prose or a stray `]`."""
    return "{" in dropped or "[" in dropped or '":' in dropped


def _cut_token(fix: Fix) -> bool:
    return fix.kind == "close_string" or (
        fix.kind == "close_truncated" and fix.after not in _CLOSERS
    )


def _open_objects_complete(value: JSONValue, count: int, shapes: Shapes) -> bool:
    """The `count` containers open at the end of input (the root and the last value of each,
    in turn) are all objects that already hold every property they declare."""
    node: JSONValue = value
    role: Role | None = "plan"
    for _ in range(count):
        if not isinstance(node, dict) or not node or role is None:
            return False  # an open array may be missing items; an unknown object, anything
        if isinstance(role, str) and role != "plan" and "op" not in node:
            # an object without `op` in an expression is a literal {"value", "type"}
            literal = set(node) <= {"value", "type"}
            children = dict.fromkeys(("value", "type")) if literal else None
        else:
            children = shapes.children_of(node, role)
        if children is None or set(children) - set(node):
            return False
        last = next(reversed(node))
        child = children.get(last)
        node, role = node[last], None if child is None else child[1]
    return True


__all__ = ["Role", "reading_reasons", "untrusted_reasons"]
